"""Per-authority signing material, kept outside the database (settings.CERTIFICATE_KEYS_DIR).

One folder per authority (its primary key): `pades.key`/`pades.crt` (ECDSA P-256 key and a
self-signed X.509 certificate naming the authority, for the PAdES signature), `sm2.key`/`sm2.pub`
(the SM2 key pair, hex, for the 国密 signature over the file's SM3 digest) and `seal.png` (the
authority's seal image printed on every certificate). Made by `manage.py certificate_keys`, or
on the first certificate an authority issues; never overwritten unless asked to.
"""

from __future__ import annotations

import datetime
import io
import math
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from gmssl import func, sm2
from PIL import Image, ImageDraw, ImageFont

from .fonts import CJK_FONT_PATH

SEAL_SIZE = 600  # pixels; printed 42 mm wide


@dataclass(frozen=True)
class AuthorityKeys:
    folder: Path
    pades_key_pem: bytes
    pades_cert_pem: bytes
    sm2_private: str  # hex
    sm2_public: str  # hex (uncompressed point without the 04 prefix, as gmssl uses it)
    seal_png: bytes

    @property
    def pades_cert(self) -> asn1_x509.Certificate:
        _, _, der = pem.unarmor(self.pades_cert_pem)
        return asn1_x509.Certificate.load(der)


def keys_dir() -> Path:
    return Path(settings.CERTIFICATE_KEYS_DIR)


def authority_folder(authority_id: int) -> Path:
    return keys_dir() / str(authority_id)


def keys_exist(authority_id: int) -> bool:
    folder = authority_folder(authority_id)
    return all(
        (folder / name).exists()
        for name in ("pades.key", "pades.crt", "sm2.key", "sm2.pub", "seal.png")
    )


def create_authority_keys(authority_id: int, name: str, *, replace: bool = False) -> Path:
    """Write a fresh key set and seal for an authority; an existing set is kept unless `replace`."""
    folder = authority_folder(authority_id)
    if keys_exist(authority_id) and not replace:
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, _fit(name)),
            x509.NameAttribute(NameOID.COMMON_NAME, _fit(name)),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365 * 20))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    sm2_private = func.random_hex(64)
    sm2_public = sm2.CryptSM2(private_key=sm2_private, public_key="")._kg(
        int(sm2_private, 16), sm2.default_ecc_table["g"]
    )
    _write(
        folder / "pades.key",
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )
    _write(folder / "pades.crt", certificate.public_bytes(serialization.Encoding.PEM), 0o644)
    _write(folder / "sm2.key", sm2_private.encode())
    _write(folder / "sm2.pub", sm2_public.encode(), 0o644)
    _write(folder / "seal.png", seal_image(name), 0o644)
    _load.cache_clear()
    return folder


def _fit(text: str, limit: int = 64) -> str:
    """X.509 names hold at most 64 bytes of UTF-8 (21 Chinese characters)."""
    while len(text.encode()) > limit:
        text = text[:-1]
    return text


def _write(path: Path, content: bytes, mode: int = 0o600) -> None:
    path.write_bytes(content)
    os.chmod(path, mode)


def load_authority_keys(authority_id: int) -> AuthorityKeys:
    folder = authority_folder(authority_id)
    if not keys_exist(authority_id):
        raise FileNotFoundError(f"认定机构 {authority_id} 的证书签章密钥不存在（{folder}）")
    return _load(folder)


@cache
def _load(folder: Path) -> AuthorityKeys:
    """Read once per folder and process (a --replace clears it)."""
    return AuthorityKeys(
        folder=folder,
        pades_key_pem=(folder / "pades.key").read_bytes(),
        pades_cert_pem=(folder / "pades.crt").read_bytes(),
        sm2_private=(folder / "sm2.key").read_text().strip(),
        sm2_public=(folder / "sm2.pub").read_text().strip(),
        seal_png=(folder / "seal.png").read_bytes(),
    )


def ensure_authority_keys(authority_id: int, name: str) -> AuthorityKeys:
    if not keys_exist(authority_id):
        create_authority_keys(authority_id, name)
    return load_authority_keys(authority_id)


def seal_image(name: str) -> bytes:
    """A round red seal: the authority's name along the upper rim, a star in the middle and
    证书专用章 below it (an image for the certificate, not a legal seal)."""
    size = SEAL_SIZE
    image = Image.new("RGBA", (size, size), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    red = (210, 30, 30, 255)
    margin = 12
    draw.ellipse((margin, margin, size - margin, size - margin), outline=red, width=16)
    centre = size / 2
    star = []
    for i in range(10):
        radius = 90 if i % 2 == 0 else 36
        angle = -math.pi / 2 + i * math.pi / 5
        star.append((centre + radius * math.cos(angle), centre + radius * math.sin(angle)))
    draw.polygon(star, fill=red)
    text = name[:18]
    font = ImageFont.truetype(str(CJK_FONT_PATH), 56 if len(text) <= 12 else 44, index=0)
    sweep = math.radians(min(250, 22 * len(text)))
    rim = size / 2 - 80
    for i, char in enumerate(text):
        angle = -math.pi / 2 - sweep / 2 + (sweep * (i + 0.5) / len(text))
        glyph = Image.new("RGBA", (80, 80), (255, 255, 255, 0))
        ImageDraw.Draw(glyph).text((40, 40), char, font=font, fill=red, anchor="mm")
        glyph = glyph.rotate(-math.degrees(angle) - 90, resample=Image.Resampling.BICUBIC)
        x = centre + rim * math.cos(angle) - 40
        y = centre + rim * math.sin(angle) - 40
        image.alpha_composite(glyph, (int(x), int(y)))
    small = ImageFont.truetype(str(CJK_FONT_PATH), 44, index=0)
    draw.text((centre, centre + 150), "证书专用章", font=small, fill=red, anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
