"""The PDF (issue 15 item 2): text readable by pdftotext, accepted by pdfinfo, A4 landscape,
signed twice (PAdES validated by pyHanko against the authority's certificate; SM2 over the
SM3 digest), and a tampered file fails both; rare characters and Uyghur render as text."""

from __future__ import annotations

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from xueshi.certificates.keys import ensure_authority_keys, load_authority_keys
from xueshi.certificates.models import Certificate
from xueshi.certificates.pdf import CertificateContent, Holder, certificate_pdf
from xueshi.certificates.services import verify_file
from xueshi.certificates.signing import pades_validate, sm2_verify, sm3_hex

from .helpers import GX_PERSON, pdftotext, poppler


@pytest.fixture
def issued(compliant, tmp_path):
    demo, *_ = compliant
    certificate = Certificate.objects.get(person=demo.person(GX_PERSON))
    content = certificate.pdf.read()
    path = tmp_path / f"{certificate.number}.pdf"
    path.write_bytes(content)
    return certificate, content, path


def _tampered(content: bytes) -> bytes:
    """One byte changed inside the signed range (the page's content stream)."""
    changed = bytearray(content)
    at = content.index(b"stream", 2000) + 40
    changed[at] ^= 0x01
    return bytes(changed)


def test_the_pdf_text_contains_the_name_and_number(issued):
    certificate, _content, path = issued
    text = pdftotext(str(path))
    assert GX_PERSON in text
    assert certificate.number in text
    assert "继续教育合格证书" in text
    assert certificate.masked_id_number in text
    assert "合计 94 学时" in text
    assert certificate.issuer_name in text


def test_pdfinfo_accepts_it_as_one_a4_landscape_page(issued):
    _certificate, _content, path = issued
    info = poppler("pdfinfo", str(path))
    assert re.search(r"^Pages:\s+1$", info, re.M), info
    assert "841.89 x 595.276 pts (A4)" in info  # landscape: wider than high
    fonts = poppler("pdffonts", str(path))
    assert "WenQuanYi" in fonts
    # Every font is embedded (the "emb" column): no viewer shows boxes for want of a font.
    rows = [line.split() for line in fonts.splitlines()[2:] if line.strip()]
    assert rows and all("yes" in row[-5:-3] for row in rows), fonts


def test_the_pades_signature_validates_against_the_authoritys_certificate(issued):
    certificate, content, _path = issued
    result = pades_validate(content, load_authority_keys(certificate.authority_id))
    assert result.present and result.intact and result.trusted and result.whole_file
    assert certificate.issuer_name[:10] in result.signer


def test_another_authoritys_certificate_does_not_validate_it(issued, demo):
    _certificate, content, _path = issued
    other = demo.organization("新疆维吾尔自治区人力资源和社会保障厅")
    result = pades_validate(content, ensure_authority_keys(other.pk, other.name))
    assert result.present and not result.trusted


def test_the_sm2_signature_verifies_over_the_files_sm3_digest(issued):
    certificate, content, _path = issued
    assert certificate.sm3_digest == sm3_hex(content)
    public = load_authority_keys(certificate.authority_id).sm2_public
    assert sm2_verify(certificate.sm3_digest, certificate.sm2_signature, public)
    assert not sm2_verify(sm3_hex(content + b"\n"), certificate.sm2_signature, public)


def test_a_tampered_file_fails_both(issued):
    certificate, content, _path = issued
    genuine = verify_file(content)
    assert genuine.ok and genuine.certificate == certificate
    bad = verify_file(_tampered(content))
    assert not bad.pades_ok
    assert not bad.sm2_ok and bad.certificate is None


def test_the_verify_a_file_page(issued, client):
    certificate, content, _path = issued
    url = reverse("certificates:verify_file")
    good = client.post(url, {"file": SimpleUploadedFile("c.pdf", content, "application/pdf")})
    text = good.content.decode()
    assert "文件验证通过" in text and certificate.number in text
    bad = client.post(
        url, {"file": SimpleUploadedFile("c.pdf", _tampered(content), "application/pdf")}
    )
    assert "文件验证未通过" in bad.content.decode()
    not_pdf = client.post(url, {"file": SimpleUploadedFile("c.pdf", b"hello", "application/pdf")})
    assert "所选文件的内容不是 PDF" in not_pdf.content.decode()


def _render(tmp_path, name: str, *, photo: bool = False, photo_bytes: bytes | None = None) -> str:
    keys = ensure_authority_keys(999, "新疆维吾尔自治区人力资源和社会保障厅")
    content = CertificateContent(
        title="继续教育合格证书",
        number="XJ2025000001",
        holder=Holder(name, "650102********0011", "新疆大学", "工程系列/水利/正高级工程师"),
        credit_year=2025,
        general_hours=Decimal(30),
        professional_hours=Decimal(60),
        total_hours=Decimal(90),
        issuer="新疆维吾尔自治区人力资源和社会保障厅",
        issued_on=datetime.date(2026, 1, 15),
        verify_url="http://127.0.0.1:8000/verify/XJ2025000001/",
        seal_png=keys.seal_png,
        uses_photo=photo,
        photo=photo_bytes,
    )
    path = tmp_path / "rare.pdf"
    path.write_bytes(certificate_pdf(content))
    return pdftotext(str(path))


def test_a_rare_character_renders_in_the_pdf_text(tmp_path):
    """𠮷 (U+20BB7, CJK Extension B) is beyond 16 bits: it must come back as itself."""
    assert "𠮷田春" in _render(tmp_path, "𠮷田春")


def test_a_name_in_uyghur_script_renders_in_the_pdf_text(tmp_path):
    name = "ئابدۇرېھىم مەمەت"
    text = _render(tmp_path, name, photo=True)
    assert name in text
    assert "照片" in text  # the one-inch photo's frame, labelled while no photo is wired


def test_a_one_inch_photo_is_placed_when_the_profile_uses_one(tmp_path):
    """Xinjiang's certificate carries a one-inch photo (一寸照): the bytes given are embedded."""
    out = io.BytesIO()
    Image.new("RGB", (295, 413), (70, 120, 200)).save(out, "PNG")
    text = _render(tmp_path, "阿依古丽", photo=True, photo_bytes=out.getvalue())
    assert "照片" not in text  # the frame's label gives way to the photo
    images = poppler("pdfimages", "-list", str(tmp_path / "rare.pdf"))
    assert re.search(r"\bimage\s+295\s+413\b", images), images
