"""Authenticated encryption of health data at rest (AES-256-GCM), with a rotating keyring.

HEALTH_DATA_KEYS is a comma-separated list of `key_id:base64url-key` entries. The first entry
seals new data; every entry can open old data, so a new key is rolled out by putting it first,
running `flask health rotate-keys`, and only then removing the old one.

Each sealed value is bound to a context (e.g. the profile it belongs to), so a ciphertext
copied onto another client's row fails to open instead of showing the wrong person's data.
"""

from __future__ import annotations

import base64
import os
import secrets
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_BYTES = 12


class KeyringError(ValueError):
    """The key settings are missing or malformed."""


class SealBroken(ValueError):
    """A sealed value failed authentication: tampered, moved, or under an unknown key."""


def new_key_entry(key_id: str | None = None) -> str:
    """A fresh `id:key` entry for HEALTH_DATA_KEYS."""
    key = base64.urlsafe_b64encode(AESGCM.generate_key(bit_length=256)).decode().rstrip("=")
    return f"{key_id or 'k' + secrets.token_hex(3)}:{key}"


def _decode_key(text: str) -> bytes:
    padded = text + "=" * (-len(text) % 4)
    try:
        key = base64.urlsafe_b64decode(padded)
    except ValueError as error:
        raise KeyringError("a HEALTH_DATA_KEYS key is not base64url") from error
    if len(key) != 32:
        raise KeyringError("HEALTH_DATA_KEYS keys must be 32 bytes (256 bits)")
    return key


@dataclass(frozen=True)
class Sealed:
    key_id: str
    blob: bytes  # nonce + ciphertext + tag


def key_entries(spec: str) -> list[tuple[str, bytes]]:
    """The (id, key) pairs of a HEALTH_DATA_KEYS setting, current key first; KeyringError if
    it is empty or malformed. The one parser of the setting (Keyring, config checks)."""
    entries = [part.strip() for part in (spec or "").split(",") if part.strip()]
    if not entries:
        raise KeyringError("HEALTH_DATA_KEYS is empty")
    pairs: list[tuple[str, bytes]] = []
    for entry in entries:
        key_id, sep, encoded = entry.partition(":")
        if not sep or not key_id or len(key_id) > 32:
            raise KeyringError("HEALTH_DATA_KEYS entries look like `id:base64url-key`")
        if any(key_id == seen for seen, _ in pairs):
            raise KeyringError(f"key id {key_id!r} appears twice in HEALTH_DATA_KEYS")
        pairs.append((key_id, _decode_key(encoded)))
    return pairs


class Keyring:
    def __init__(self, spec: str):
        pairs = key_entries(spec)
        self._keys: dict[str, AESGCM] = {key_id: AESGCM(key) for key_id, key in pairs}
        self.current_id = pairs[0][0]

    def seal(self, plaintext: bytes, context: str) -> Sealed:
        nonce = os.urandom(NONCE_BYTES)
        blob = nonce + self._keys[self.current_id].encrypt(nonce, plaintext, context.encode())
        return Sealed(self.current_id, blob)

    def open(self, sealed: Sealed, context: str) -> bytes:
        cipher = self._keys.get(sealed.key_id)
        if cipher is None:
            raise SealBroken(f"no key {sealed.key_id!r} in HEALTH_DATA_KEYS")
        nonce, body = sealed.blob[:NONCE_BYTES], sealed.blob[NONCE_BYTES:]
        try:
            return cipher.decrypt(nonce, body, context.encode())
        except InvalidTag as error:
            raise SealBroken("sealed health data failed authentication") from error

    def reseal(self, sealed: Sealed, context: str) -> Sealed | None:
        """The same plaintext under the current key; None if it already is."""
        if sealed.key_id == self.current_id:
            return None
        return self.seal(self.open(sealed, context), context)


def keyring() -> Keyring:
    """The app's keyring, parsed once per app."""
    from flask import current_app

    ring = current_app.extensions.get("health_keyring")
    if ring is None:
        ring = current_app.extensions["health_keyring"] = Keyring(current_app.config["HEALTH_DATA_KEYS"])
    return ring
