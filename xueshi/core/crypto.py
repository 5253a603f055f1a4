"""Personal data at rest with the national algorithms (GB/T 39786-2021): SM4-GCM for the
values, keyed HMAC-SM3 digests for looking them up.

Stored text is ``<key id>:<base64 of nonce (12 bytes) + ciphertext + tag (16 bytes)>``: the key
id stays readable so a rotation can find the rows not yet on the current key with a plain
``NOT LIKE``; it is also the GCM associated data, so changing it is detected like any other edit.

Keys come from settings:

- ``PERSONAL_DATA_KEYS``: ordered ``"id:hex"`` strings (SM4 keys, 16 bytes = 32 hex digits),
  the first is the current key (new values), the others still decrypt older values;
- ``LOOKUP_KEY``: hex, the HMAC-SM3 key of the lookup digests (new digests);
- ``PREVIOUS_LOOKUP_KEYS``: hex, lookup keys being retired. While a rotation runs, a lookup
  tries the digest under each of them too, so nobody goes missing; ``rotate_keys`` recomputes
  every digest under ``LOOKUP_KEY``, after which they can be removed (docs/security.md).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import os
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed

__all__ = [
    "DecryptionError",
    "Keyring",
    "decrypt",
    "encrypt",
    "is_current",
    "keyring",
    "lookup_digest",
    "lookup_digests",
    "parse_audit_key",
    "parse_keys",
]

NONCE_BYTES = 12
TAG_BYTES = 16
SM4_KEY_BYTES = 16


class DecryptionError(ValueError):
    """A stored value that does not decrypt: unknown key id, bad encoding, or altered text."""


@dataclass(frozen=True)
class Keyring:
    keys: dict[str, bytes]  # key id -> SM4 key, in settings order
    current_id: str
    lookup_key: bytes
    previous_lookup_keys: tuple[bytes, ...] = ()


def _lookup_key(lookup_hex: str, name: str) -> bytes:
    try:
        lookup_key = bytes.fromhex(lookup_hex or "")
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} 不是十六进制。") from error
    if len(lookup_key) < 16:
        raise ImproperlyConfigured(f"{name} 至少 16 字节（32 位十六进制）。")
    return lookup_key


def parse_keys(
    entries: list[str] | tuple[str, ...],
    lookup_hex: str,
    previous_lookup_hex: list[str] | tuple[str, ...] = (),
) -> Keyring:
    """Check and parse the settings' keys, with the reason in Chinese when they are wrong."""
    keys: dict[str, bytes] = {}
    for entry in entries:
        key_id, sep, hex_key = str(entry).strip().partition(":")
        if not sep or not key_id or not key_id.isalnum():
            raise ImproperlyConfigured(
                "PERSONAL_DATA_KEYS 的每一项应为“密钥编号:十六进制密钥”，编号只含字母和数字。"
            )
        if key_id in keys:
            raise ImproperlyConfigured(f"PERSONAL_DATA_KEYS 中密钥编号 {key_id} 重复。")
        try:
            key = bytes.fromhex(hex_key)
        except ValueError as error:
            raise ImproperlyConfigured(f"密钥 {key_id} 不是十六进制。") from error
        if len(key) != SM4_KEY_BYTES:
            raise ImproperlyConfigured(f"密钥 {key_id} 应为 16 字节（32 位十六进制）。")
        keys[key_id] = key
    if not keys:
        raise ImproperlyConfigured("未配置个人信息加密密钥 PERSONAL_DATA_KEYS。")
    lookup_key = _lookup_key(lookup_hex, "LOOKUP_KEY")
    previous = tuple(
        _lookup_key(str(entry).strip(), "PREVIOUS_LOOKUP_KEYS 中的密钥")
        for entry in previous_lookup_hex
    )
    if lookup_key in previous:
        raise ImproperlyConfigured("LOOKUP_KEY 不能同时列在 PREVIOUS_LOOKUP_KEYS 中。")
    return Keyring(
        keys=keys,
        current_id=next(iter(keys)),
        lookup_key=lookup_key,
        previous_lookup_keys=previous,
    )


def parse_audit_key(audit_hex: str) -> bytes:
    """The audit chain's HMAC-SM3 key (settings.AUDIT_CHAIN_KEY), checked like the others."""
    return _lookup_key(audit_hex, "AUDIT_CHAIN_KEY")


@lru_cache(maxsize=1)
def keyring() -> Keyring:
    return parse_keys(
        settings.PERSONAL_DATA_KEYS,
        settings.LOOKUP_KEY,
        getattr(settings, "PREVIOUS_LOOKUP_KEYS", ()),
    )


def _forget_keys(*, setting: str, **kwargs: object) -> None:
    if setting in ("PERSONAL_DATA_KEYS", "LOOKUP_KEY", "PREVIOUS_LOOKUP_KEYS"):
        keyring.cache_clear()


setting_changed.connect(_forget_keys)


def encrypt(plain: str, ring: Keyring | None = None) -> str:
    """SM4-GCM with the current key and a fresh random nonce: one value never repeats."""
    ring = ring or keyring()
    key_id = ring.current_id
    nonce = os.urandom(NONCE_BYTES)
    encryptor = Cipher(algorithms.SM4(ring.keys[key_id]), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(key_id.encode())
    body = encryptor.update(plain.encode()) + encryptor.finalize()
    sealed = nonce + body + encryptor.tag
    return f"{key_id}:{base64.b64encode(sealed).decode('ascii')}"


def decrypt(stored: str, ring: Keyring | None = None) -> str:
    ring = ring or keyring()
    key_id, sep, encoded = stored.partition(":")
    key = ring.keys.get(key_id)
    if not sep or key is None:
        raise DecryptionError(f"unknown key id {key_id!r}")
    try:
        sealed = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as error:
        raise DecryptionError("not base64") from error
    if len(sealed) < NONCE_BYTES + TAG_BYTES:
        raise DecryptionError("too short")
    nonce, body, tag = sealed[:NONCE_BYTES], sealed[NONCE_BYTES:-TAG_BYTES], sealed[-TAG_BYTES:]
    decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(key_id.encode())
    try:
        plain = decryptor.update(body) + decryptor.finalize()
    except InvalidTag as error:
        raise DecryptionError("altered or wrong key") from error
    try:
        return plain.decode()
    except UnicodeDecodeError as error:  # pragma: no cover - authenticated, so never
        raise DecryptionError("not UTF-8") from error


def is_current(stored: str, ring: Keyring | None = None) -> bool:
    """Whether a stored value is already under the current key (rotation skips it)."""
    ring = ring or keyring()
    return stored.startswith(f"{ring.current_id}:")


def lookup_digest(normalised: str, ring: Keyring | None = None) -> str:
    """Keyed HMAC-SM3 of an already normalised value, hex: equal values, equal digests, and
    without the key nobody can test guesses (an ID number has few enough to try them all)."""
    ring = ring or keyring()
    return hmac.new(ring.lookup_key, normalised.encode(), "sm3").hexdigest()


def lookup_digests(normalised: str, ring: Keyring | None = None) -> list[str]:
    """The digests a stored row may carry: under the current lookup key, and under each key
    still being retired (a rotation in progress). Look rows up with ``__in`` of these."""
    ring = ring or keyring()
    return [
        lookup_digest(normalised, ring),
        *(
            hmac.new(key, normalised.encode(), "sm3").hexdigest()
            for key in ring.previous_lookup_keys
        ),
    ]
