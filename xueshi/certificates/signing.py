"""The two signatures of a certificate file, and checking them.

1. PAdES (pyHanko): embedded in the PDF, shown by ordinary readers, validated against the
   issuing authority's certificate (`keys.py`).
2. SM2 (国密, gmssl): over the SM3 digest of the final, PAdES-signed file; kept with the
   certificate row, since electronic licences (电子证照) are checked with the national algorithms.
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass

from gmssl import sm2
from pyhanko.keys import load_private_key_from_pemder_data
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from .keys import AuthorityKeys

logger = logging.getLogger(__name__)


def sm3_hex(content: bytes) -> str:
    return hashlib.new("sm3", content).hexdigest()


def pades_sign(pdf: bytes, keys: AuthorityKeys, *, reason: str, location: str) -> bytes:
    signer = signers.SimpleSigner(
        signing_cert=keys.pades_cert,
        signing_key=load_private_key_from_pemder_data(keys.pades_key_pem, None),
        cert_registry=SimpleCertificateStore.from_certs([keys.pades_cert]),
    )
    meta = signers.PdfSignatureMetadata(
        field_name="Signature1",
        subfilter=SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
        md_algorithm="sha256",
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    return signers.sign_pdf(writer, meta, signer=signer).getvalue()


def _sm2(keys_private: str, keys_public: str) -> sm2.CryptSM2:
    return sm2.CryptSM2(private_key=keys_private, public_key=keys_public)


def sm2_sign(digest_hex: str, keys: AuthorityKeys) -> str:
    return str(_sm2(keys.sm2_private, keys.sm2_public).sign_with_sm3(bytes.fromhex(digest_hex)))


def sm2_verify(digest_hex: str, signature_hex: str, public_key: str) -> bool:
    try:
        return bool(_sm2("", public_key).verify_with_sm3(signature_hex, bytes.fromhex(digest_hex)))
    except (ValueError, TypeError, IndexError):
        return False


@dataclass(frozen=True)
class PadesResult:
    present: bool
    intact: bool
    trusted: bool
    whole_file: bool
    signer: str = ""

    @property
    def ok(self) -> bool:
        return self.present and self.intact and self.trusted and self.whole_file


def pades_validate(pdf: bytes, keys: AuthorityKeys) -> PadesResult:
    """The file's (first) PAdES signature against the authority's certificate as trust root."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except Exception:  # not a PDF, or one pyHanko cannot read: no signature to speak of
        logger.info("PDF could not be read for signature validation", exc_info=True)
        return PadesResult(False, False, False, False)
    if not signatures:
        return PadesResult(False, False, False, False)
    try:
        status = validate_pdf_signature(
            signatures[0], ValidationContext(trust_roots=[keys.pades_cert])
        )
    except Exception:  # a malformed signature is simply not a valid one
        logger.info("PAdES validation failed", exc_info=True)
        return PadesResult(True, False, False, False)
    whole = status.coverage is not None and status.coverage.name == "ENTIRE_FILE"
    signer = status.signing_cert.subject.human_friendly if status.signing_cert else ""
    return PadesResult(
        True, bool(status.intact and status.valid), bool(status.trusted), whole, signer
    )
