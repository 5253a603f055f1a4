"""SM4-GCM and HMAC-SM3 for personal data (xueshi/core/crypto.py), by property."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from django.core.exceptions import ImproperlyConfigured
from hypothesis import given
from hypothesis import strategies as st

from xueshi.core.crypto import DecryptionError, decrypt, encrypt, is_current, lookup_digest
from xueshi.core.crypto import parse_keys as ring_of

OLD = ring_of(["k1:" + "11" * 16], "aa" * 32)
ROTATED = ring_of(["k2:" + "22" * 16, "k1:" + "11" * 16], "aa" * 32)
OTHER = ring_of(["k1:" + "33" * 16], "bb" * 32)

texts = st.text(min_size=1, max_size=40)


@given(texts)
def test_round_trip(plain: str) -> None:
    stored = encrypt(plain, OLD)

    assert decrypt(stored, OLD) == plain
    assert stored.startswith("k1:")
    # nonce (12) + ciphertext (as long as the UTF-8 text: GCM is a stream mode) + tag (16)
    assert len(base64.b64decode(stored[3:])) == 12 + len(plain.encode()) + 16


@given(texts)
def test_the_same_value_never_encrypts_the_same_way(plain: str) -> None:
    assert encrypt(plain, OLD) != encrypt(plain, OLD)


@given(texts, st.data())
def test_any_changed_byte_is_detected(plain: str, data: st.DataObject) -> None:
    key_id, _, encoded = encrypt(plain, OLD).partition(":")
    sealed = bytearray(base64.b64decode(encoded))
    at = data.draw(st.integers(0, len(sealed) - 1))
    sealed[at] ^= data.draw(st.integers(1, 255))

    with pytest.raises(DecryptionError):
        decrypt(f"{key_id}:{base64.b64encode(bytes(sealed)).decode()}", OLD)


@given(texts)
def test_a_truncated_or_relabelled_value_is_refused(plain: str) -> None:
    stored = encrypt(plain, ROTATED)  # under k2
    with pytest.raises(DecryptionError):
        decrypt(stored[:-4], ROTATED)
    with pytest.raises(DecryptionError):
        decrypt("k1:" + stored.partition(":")[2], ROTATED)  # key id is authenticated
    with pytest.raises(DecryptionError):
        decrypt(stored, OTHER)  # unknown key id


@given(texts)
def test_rotation_reads_old_values_and_writes_with_the_new_key(plain: str) -> None:
    old = encrypt(plain, OLD)

    assert decrypt(old, ROTATED) == plain
    assert not is_current(old, ROTATED)
    new = encrypt(decrypt(old, ROTATED), ROTATED)
    assert is_current(new, ROTATED)
    assert decrypt(new, ROTATED) == plain
    with pytest.raises(DecryptionError):
        decrypt(new, OLD)  # the old ring alone cannot read the new key's values


@given(texts, texts)
def test_lookup_digest_is_keyed_and_deterministic(a: str, b: str) -> None:
    assert lookup_digest(a, OLD) == lookup_digest(a, ROTATED)  # same lookup key
    assert lookup_digest(a, OLD) != lookup_digest(a, OTHER)
    assert (lookup_digest(a, OLD) == lookup_digest(b, OLD)) == (a == b)
    assert len(lookup_digest(a, OLD)) == 64  # SM3: 256 bits


def test_the_digest_is_hmac_over_sm3() -> None:
    # SM3 itself: the first example of GB/T 32905-2016 (appendix A.1), so "sm3" is SM3.
    assert hashlib.new("sm3", b"abc").hexdigest() == (
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    )
    ring = ring_of(["k1:" + "00" * 16], "0b" * 16)
    assert lookup_digest("abc", ring) == hmac.new(bytes([11]) * 16, b"abc", "sm3").hexdigest()


@pytest.mark.parametrize(
    ("keys", "lookup", "reason"),
    [
        ([], "aa" * 32, "未配置"),
        (["k1"], "aa" * 32, "密钥编号"),
        (["k1:zz"], "aa" * 32, "十六进制"),
        (["k1:" + "11" * 8], "aa" * 32, "16 字节"),
        (["k1:" + "11" * 16, "k1:" + "22" * 16], "aa" * 32, "重复"),
        (["k1:" + "11" * 16], "aa", "LOOKUP_KEY"),
    ],
)
def test_bad_keys_are_refused_with_the_reason(keys: list[str], lookup: str, reason: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=reason):
        ring_of(keys, lookup)
