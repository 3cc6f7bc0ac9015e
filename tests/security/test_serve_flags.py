"""`stepstone serve`'s approval e-mail flags: each one given wins over its environment variable."""

from __future__ import annotations

import argparse

from stepstone.cli.serve import approval_settings, register


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    register(parser)
    return parser.parse_args(list(argv))


ENV = {
    "STEPSTONE_SMTP_HOST": "env-host", "STEPSTONE_SMTP_PORT": "2525", "STEPSTONE_SMTP_SECURITY": "starttls",
    "STEPSTONE_MAIL_FROM": "env@example.com", "STEPSTONE_PUBLIC_URL": "https://env.example",
    "STEPSTONE_SMTP_USERNAME": "mailer", "STEPSTONE_SMTP_PASSWORD": "s3cret",
}  # fmt: skip


def test_flags_override_the_environment_and_credentials_stay_in_it() -> None:
    args = parse(
        "--smtp-host", "smtp.example.com", "--smtp-port", "465", "--smtp-security", "tls",
        "--mail-from", "approvals@example.com", "--public-url", "https://sfn.example.com",
    )  # fmt: skip
    settings = approval_settings(args, ENV)
    assert (settings.smtp_host, settings.smtp_port, settings.smtp_security) == (
        "smtp.example.com",
        465,
        "tls",
    )
    assert settings.mail_from == "approvals@example.com" and settings.public_url == "https://sfn.example.com"
    assert (settings.smtp_username, settings.smtp_password) == ("mailer", "s3cret")


def test_without_flags_the_environment_then_the_defaults_apply() -> None:
    from_env = approval_settings(parse(), ENV)
    assert (from_env.smtp_host, from_env.smtp_port, from_env.smtp_security) == ("env-host", 2525, "starttls")
    assert from_env.public_url == "https://env.example"
    defaults = approval_settings(parse("--smtp-port", "587"), {})
    assert (defaults.smtp_host, defaults.smtp_port, defaults.smtp_security) == ("localhost", 587, "none")
    assert defaults.mail_from == "stepstone@localhost" and defaults.public_url is None
