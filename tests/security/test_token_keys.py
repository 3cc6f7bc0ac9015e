"""The token key ring across a rotation: the key id travels inside the token, the stored hash says
which key signed a waiting task, and a key removed from the ring voids its tokens."""

from __future__ import annotations

import pytest

from stepstone.engine.tokens import (
    InvalidTokenError,
    KeyRing,
    key_id_of,
    resolve_token_references,
    token_hash,
    token_reference,
)

ARN = "arn:aws:states:us-east-1:123456789012:execution:m:e"
OLD, NEW = b"o" * 32, b"n" * 32


def test_mint_signs_with_the_key_asked_for_and_verify_names_it() -> None:
    ring = KeyRing({"k1": OLD, "k2": NEW}, "k2")
    assert key_id_of(ring.mint(ARN, "t1")) == "k2"
    old = ring.mint(ARN, "t1", key_id="k1")
    assert key_id_of(old) == "k1" and ring.verify(old).key_id == "k1"
    assert old == KeyRing({"k1": OLD}, "k1").mint(ARN, "t1")  # deterministic per key
    with pytest.raises(InvalidTokenError):
        ring.mint(ARN, "t1", key_id="k9")


def test_remint_finds_the_key_that_signed_the_waiting_task() -> None:
    before = KeyRing({"k1": OLD}, "k1")
    stored = token_hash(before.mint(ARN, "t1"))  # what the store kept when the task started
    after = KeyRing({"k1": OLD, "k2": NEW}, "k2")
    token = after.remint(ARN, "t1", stored)
    assert token is not None and token_hash(token) == stored and after.verify(token).key_id == "k1"
    assert after.remint(ARN, "t2", stored) is None  # another task's hash names no token of t1
    assert after.remint(ARN, "t1", None) is None


def test_a_key_removed_from_the_ring_voids_its_tokens() -> None:
    before = KeyRing({"k1": OLD}, "k1")
    old = before.mint(ARN, "t1")
    removed = KeyRing({"k2": NEW}, "k2")
    assert removed.remint(ARN, "t1", token_hash(old)) is None
    with pytest.raises(InvalidTokenError, match="unknown key"):
        removed.verify(old)
    assert key_id_of("") is None


def test_stored_data_holds_references_that_resolve_to_each_tasks_own_token() -> None:
    ring = KeyRing({"k1": b"1" * 32}, "k1")
    arn = "arn:aws:states:us-east-1:123456789012:execution:m:e"
    stored = {
        "token": token_reference(arn, "task:4"),
        "note": [f"older {token_reference(arn, 'task:2')}, yours {token_reference(arn, 'task:4')}"],
        "n": 1,
    }
    with pytest.raises(InvalidTokenError):  # a reference is not a token: nobody can use it
        ring.verify(stored["token"])
    resolved = resolve_token_references(stored, lambda task_id: ring.mint(arn, task_id))
    assert resolved["token"] == ring.mint(arn, "task:4")
    assert resolved["note"] == [f"older {ring.mint(arn, 'task:2')}, yours {ring.mint(arn, 'task:4')}"]
    assert ring.verify(resolved["token"]).task_id == "task:4" and resolved["n"] == 1
