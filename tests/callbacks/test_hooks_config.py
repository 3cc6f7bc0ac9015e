"""The webhook sources file: what `serve --hooks` accepts and the errors it names."""

from __future__ import annotations

from pathlib import Path

import pytest

from stepstone.service.hooks import load_hooks, sign

KEY = 'correlation_key_path = "$.k"\n'


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "hooks.toml"
    path.write_text(text)
    return path


def test_a_source_with_a_secret_file_and_defaults(tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("abc\n")
    text = '[sources.x]\nsecret_file = "secret.txt"\nmessage_name_path = "$.type"\n' + KEY
    hooks = load_hooks(write(tmp_path, text))
    source = hooks["x"]
    assert (source.secret, source.header, source.tolerance_seconds, source.ttl_seconds) == (
        b"abc",
        "Stepstone-Signature",
        300,
        0,
    )
    assert "abc" not in repr(source)  # the secret never shows


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[sources.x]\nsecret_env = "NOPE_NOT_SET"\nmessage_name = "m"\ncorrelation_key_path = "$.k"\n',
         "NOPE_NOT_SET"),
        ('[sources.x]\nsecret = "s"\ncorrelation_key_path = "$.k"\n', "one of message_name"),
        ('[sources.x]\nsecret = "s"\nmessage_name = "m"\nmessage_name_path = "$.t"\n' + KEY, "one of"),
        ('[sources.x]\nsecret = "s"\nmessage_name = "m"\ncorrelation_key_path = "$.k[*]"\n', "key_path"),
        ('[sources.x]\nmessage_name = "m"\ncorrelation_key_path = "$.k"\n', "secret_env"),
    ],
)  # fmt: skip
def test_bad_sources_are_named(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_hooks(write(tmp_path, text))


def test_the_signature_is_stripes_scheme() -> None:
    # HMAC-SHA256(key "k", "1.{}"), computed with openssl
    assert sign(b"k", 1, b"{}") == "t=1,v1=3dd49b2593d0f9a349e9e71c4bde3e2b862c2be4003fe9b4ba81332029310158"
