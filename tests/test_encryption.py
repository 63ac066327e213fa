"""The keyring seals, opens, rotates, and refuses tampered or moved data."""

from __future__ import annotations

import pytest

from portal.encryption import Keyring, KeyringError, Sealed, SealBroken, new_key_entry

OLD, NEW = new_key_entry("old"), new_key_entry("new")


def test_seal_and_open_round_trip_without_plaintext_in_the_blob():
    ring = Keyring(OLD)
    sealed = ring.seal(b"pregnant, due in March", "health-profile:1")
    assert b"pregnant" not in sealed.blob and sealed.key_id == "old"
    assert ring.open(sealed, "health-profile:1") == b"pregnant, due in March"


def test_same_plaintext_seals_differently_each_time():
    ring = Keyring(OLD)
    assert ring.seal(b"x", "c").blob != ring.seal(b"x", "c").blob


def test_moved_to_another_context_fails():
    ring = Keyring(OLD)
    sealed = ring.seal(b"osteoporosis", "health-profile:1")
    with pytest.raises(SealBroken):
        ring.open(sealed, "health-profile:2")


def test_tampered_blob_fails():
    ring = Keyring(OLD)
    sealed = ring.seal(b"osteoporosis", "c")
    flipped = sealed.blob[:-1] + bytes([sealed.blob[-1] ^ 1])
    with pytest.raises(SealBroken):
        ring.open(Sealed(sealed.key_id, flipped), "c")


def test_rotation_new_key_first_opens_old_data_and_reseals():
    old_ring = Keyring(OLD)
    sealed = old_ring.seal(b"sunburn", "c")
    rotated = Keyring(f"{NEW},{OLD}")
    assert rotated.open(sealed, "c") == b"sunburn"
    resealed = rotated.reseal(sealed, "c")
    assert resealed.key_id == "new" and rotated.reseal(resealed, "c") is None
    assert Keyring(NEW).open(resealed, "c") == b"sunburn"
    with pytest.raises(SealBroken, match="no key 'old'"):
        Keyring(NEW).open(sealed, "c")


@pytest.mark.parametrize("spec", ["", "nocolon", ":abc", "k1:short", f"{OLD},{OLD}"])
def test_bad_key_settings_are_refused(spec):
    with pytest.raises(KeyringError):
        Keyring(spec)
