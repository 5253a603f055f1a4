"""Writes of the recognition app: a file queued, read, compared with its claim, matched with
other claims' certificates. Nothing here changes the claim: recognition only informs."""

from __future__ import annotations

import difflib
import logging
import time
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from xueshi.declarations.models import Attachment, Declaration

from . import engine
from .extraction import CertificateFields, extract_fields
from .models import EvidenceRecognition, EvidenceReuse, RecognitionStatus, ReuseReason

logger = logging.getLogger(__name__)

READABLE_KINDS = frozenset({"jpg", "png", "pdf"})
# Two pictures are the same certificate when their perceptual hashes are near (re-compressed,
# slightly cropped) AND the text read from them is nearly the same: certificates printed on one
# template have near hashes too (measured: 0–6 bits apart for different people), their text
# differs in name, dates and number.
IMAGE_HASH_DISTANCE = 20
SAME_TEXT_RATIO = 0.95


def recognition_wanted(attachment: Attachment) -> bool:
    return engine.available() and attachment.kind in READABLE_KINDS


def recognition_create(*, attachment: Attachment) -> EvidenceRecognition | None:
    """A pending recognition for a newly attached file; the task is queued after commit."""
    if not recognition_wanted(attachment):
        return None
    recognition, _ = EvidenceRecognition.objects.get_or_create(
        attachment=attachment, defaults={"declaration_id": attachment.declaration_id}
    )
    return recognition


def recognise_pages(data: bytes, kind: str) -> tuple[list[engine.Line], str, int]:
    """(lines, perceptual hash of the first page, pages read); raises ``Unreadable``."""
    pages = engine.pages_of(data, kind)
    lines: list[engine.Line] = []
    for page in pages:
        lines.extend(engine.recognise_image(page))
    return lines, engine.image_hash(pages[0]) if pages else "", len(pages)


def recognition_run(recognition_id: int) -> EvidenceRecognition | None:
    """Read the file (the worker's task). A file that cannot be read, or from which nothing is
    read, ends 未能识别; the claim is never touched."""
    updated = EvidenceRecognition.objects.filter(
        pk=recognition_id, status=RecognitionStatus.PENDING
    ).update(status=RecognitionStatus.RUNNING)
    if not updated:
        return None  # gone with its file, or already taken
    recognition = EvidenceRecognition.objects.select_related("attachment").get(pk=recognition_id)
    started = time.perf_counter()
    try:
        with recognition.attachment.file.open("rb") as handle:
            data = handle.read()
        lines, image_hash, pages = recognise_pages(data, recognition.attachment.kind)
    except engine.Unreadable:
        lines, image_hash, pages = [], "", 0
    except Exception:  # the engine on a hostile file: recognition fails, nothing else does
        logger.exception("recognition of attachment %s failed", recognition.attachment_id)
        lines, image_hash, pages = [], "", 0
    fields = extract_fields([line.text for line in lines])
    recognition.lines = [
        {"text": line.text, "confidence": round(line.confidence, 3)} for line in lines
    ]
    recognition.fields = fields.as_json()
    recognition.pages = pages
    recognition.seconds = round(time.perf_counter() - started, 3)
    recognition.finished_at = timezone.now()
    if fields.empty:
        recognition.status = RecognitionStatus.FAILED
        recognition.save()
        return recognition
    recognition.status = RecognitionStatus.DONE
    recognition.certificate_number = fields.certificate_number or ""
    recognition.image_hash = image_hash
    declaration = Declaration.objects.select_related("person").get(pk=recognition.declaration_id)
    recognition.mismatches = mismatches(fields, declaration)
    recognition.has_mismatch = bool(recognition.mismatches)
    with transaction.atomic():
        recognition.save()
        reuses_record(recognition)
    return recognition


# --- the comparison with the claim ------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    label: str
    on_certificate: str
    claimed: str
    agrees: bool | None  # None: nothing to compare
    sentence: str = ""  # the flag's words when it disagrees


def _hours_text(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _same_organization(first: str, second: str) -> bool:
    first, second = first.replace(" ", ""), second.replace(" ", "")
    return first in second or second in first


def compare(fields: CertificateFields, declaration: Declaration) -> list[Comparison]:
    """The certificate beside the claim, field by field."""
    rows = []
    claimant = declaration.person.name
    if fields.name:
        rows.append(
            Comparison(
                "姓名",
                fields.name,
                claimant,
                fields.name == claimant,
                f"证书姓名“{fields.name}”，申报人“{claimant}”",
            )
        )
    if fields.hours is not None:
        unit = fields.hours_unit or "学时"
        credits = unit == "学分" and declaration.credits_claimed is not None
        claimed = (
            declaration.credits_claimed
            if credits and declaration.credits_claimed is not None
            else declaration.hours_claimed
        )
        claimed_unit = "学分" if credits else "学时"
        # Claiming more than the certificate says is the question; less (a cap, a conversion)
        # is the region's rules at work.
        rows.append(
            Comparison(
                "学时",
                f"{_hours_text(fields.hours)} {unit}",
                f"{_hours_text(claimed)} {claimed_unit}",
                claimed <= fields.hours,
                f"证书 {_hours_text(fields.hours)} {unit}，"
                f"申报 {_hours_text(claimed)} {claimed_unit}",
            )
        )
    for label, read, typed in (
        ("开始时间", fields.start_date, declaration.start_date),
        ("结束时间", fields.end_date, declaration.end_date),
    ):
        if read is not None:
            rows.append(
                Comparison(
                    label,
                    read.isoformat(),
                    typed.isoformat() if typed else "—",
                    None if typed is None else read == typed,
                    f"证书{label} {read.isoformat()}，申报 {typed.isoformat() if typed else '—'}",
                )
            )
    if fields.certificate_number:
        typed_number = declaration.certificate_number.strip().upper()
        rows.append(
            Comparison(
                "证书编号",
                fields.certificate_number,
                typed_number or "—",
                None if not typed_number else typed_number == fields.certificate_number,
                f"证书编号 {fields.certificate_number}，申报 {typed_number}",
            )
        )
    if fields.issuer:
        organizer = str(declaration.extra.get("organizer") or "").strip()
        rows.append(
            Comparison(
                "发证/主办单位",
                fields.issuer,
                organizer or "—",
                None if not organizer else _same_organization(fields.issuer, organizer),
                f"证书单位“{fields.issuer}”，申报主办单位“{organizer}”",
            )
        )
    if fields.course_title:
        rows.append(Comparison("课程/项目", fields.course_title, declaration.title, None))
    return rows


def mismatches(fields: CertificateFields, declaration: Declaration) -> list[str]:
    return [row.sentence for row in compare(fields, declaration) if row.agrees is False]


def mismatches_refresh(declaration: Declaration) -> int:
    """The claim changed (hours, dates…): compare its recognised files again."""
    changed = 0
    for recognition in EvidenceRecognition.objects.filter(
        declaration=declaration, status=RecognitionStatus.DONE
    ):
        found = mismatches(CertificateFields.from_json(recognition.fields), declaration)
        if found != recognition.mismatches:
            recognition.mismatches = found
            recognition.has_mismatch = bool(found)
            recognition.save(update_fields=["mismatches", "has_mismatch"])
            changed += 1
    return changed


# --- the same certificate elsewhere -----------------------------------------------------------


def _text(recognition: EvidenceRecognition) -> str:
    return "".join(str(line.get("text", "")) for line in recognition.lines)


def same_text(first: str, second: str) -> bool:
    return difflib.SequenceMatcher(None, first, second, autojunk=False).ratio() >= SAME_TEXT_RATIO


def _candidates(recognition: EvidenceRecognition) -> QuerySet[EvidenceRecognition]:
    return (
        EvidenceRecognition.objects.filter(status=RecognitionStatus.DONE)
        .exclude(declaration_id=recognition.declaration_id)
        .exclude(image_hash="")
    )


def _near_images(recognition: EvidenceRecognition) -> list[EvidenceRecognition]:
    """Files whose picture is within the hash distance: the hashes are read alone (a short
    string per row), the recognised text only for the few near ones."""
    near = [
        pk
        for pk, image_hash in _candidates(recognition).values_list("pk", "image_hash").iterator()
        if engine.hash_distance(image_hash, recognition.image_hash) <= IMAGE_HASH_DISTANCE
    ]
    return list(
        EvidenceRecognition.objects.filter(pk__in=near).only("pk", "lines", "declaration_id")
    )


def reuses_record(recognition: EvidenceRecognition) -> list[EvidenceReuse]:
    """Link this file with every other claim's file of the same certificate, both ways."""
    found: list[tuple[EvidenceRecognition, str]] = []
    if recognition.certificate_number:
        found += [
            (other, ReuseReason.NUMBER)
            for other in EvidenceRecognition.objects.filter(
                status=RecognitionStatus.DONE, certificate_number=recognition.certificate_number
            ).exclude(declaration_id=recognition.declaration_id)
        ]
    if recognition.image_hash:
        text = _text(recognition)
        # A linear scan of the hashes alone; at province scale they want bucketing (an index
        # on hash prefixes), noted in the closing note.
        found += [
            (other, ReuseReason.IMAGE)
            for other in _near_images(recognition)
            if same_text(_text(other), text)
        ]
    links = []
    for other, reason in found:
        for first, second in ((recognition, other), (other, recognition)):
            link, _ = EvidenceReuse.objects.get_or_create(
                recognition=first, other=second, reason=reason
            )
            links.append(link)
    return links
