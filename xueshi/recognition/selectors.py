"""Reads of the recognition app: per page of files or claims, a constant number of queries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from xueshi.accounts.models import RoleAssignment
from xueshi.declarations.models import Declaration
from xueshi.declarations.permissions import declarations_in_scope

from .extraction import CertificateFields
from .models import EvidenceRecognition, EvidenceReuse, RecognitionStatus
from .services import Comparison, compare


def recognitions_of_attachments(ids: Sequence[int]) -> dict[int, EvidenceRecognition]:
    return {
        recognition.attachment_id: recognition
        for recognition in EvidenceRecognition.objects.filter(attachment_id__in=ids)
    }


def mismatched(declaration: Any) -> QuerySet[EvidenceRecognition]:
    return EvidenceRecognition.objects.filter(
        declaration=declaration, status=RecognitionStatus.DONE, has_mismatch=True
    )


def reused(declaration: Any) -> QuerySet[EvidenceReuse]:
    return EvidenceReuse.objects.filter(recognition__declaration=declaration)


def mismatches_by_declaration(ids: Sequence[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for declaration_id, sentences in EvidenceRecognition.objects.filter(
        declaration_id__in=ids, status=RecognitionStatus.DONE, has_mismatch=True
    ).values_list("declaration_id", "mismatches"):
        found.setdefault(declaration_id, []).extend(sentences)
    return found


def reused_declarations(ids: Sequence[int]) -> set[int]:
    return set(
        EvidenceReuse.objects.filter(recognition__declaration_id__in=ids).values_list(
            "recognition__declaration_id", flat=True
        )
    )


@dataclass
class OtherClaim:
    reason: str
    # Only for a claim in the reviewer's scope; otherwise None ("存在重复使用的证书").
    declaration: Declaration | None


@dataclass
class Reading:
    """One file of the claim as the reviewer sees it."""

    recognition: EvidenceRecognition
    fields: CertificateFields
    comparisons: list[Comparison] = field(default_factory=list)
    others: list[OtherClaim] = field(default_factory=list)

    @property
    def hidden_others(self) -> bool:
        return any(other.declaration is None for other in self.others)

    @property
    def visible_others(self) -> list[OtherClaim]:
        return [other for other in self.others if other.declaration is not None]


def review_readings(role: RoleAssignment, declaration: Declaration) -> list[Reading]:
    recognitions = list(
        EvidenceRecognition.objects.filter(declaration=declaration)
        .select_related("attachment")
        .order_by("attachment_id")
    )
    if not recognitions:
        return []
    reuses = list(
        EvidenceReuse.objects.filter(recognition__in=recognitions).select_related("other")
    )
    other_ids = {reuse.other.declaration_id for reuse in reuses}
    visible = {
        d.pk: d
        for d in declarations_in_scope(role).filter(pk__in=other_ids).select_related("person")
    }
    readings = []
    for recognition in recognitions:
        fields = CertificateFields.from_json(recognition.fields)
        reading = Reading(recognition, fields)
        if recognition.status == RecognitionStatus.DONE:
            reading.comparisons = compare(fields, declaration)
        seen: set[tuple[int, str]] = set()
        for reuse in reuses:
            key = (reuse.other.declaration_id, reuse.reason)
            if reuse.recognition_id == recognition.pk and key not in seen:
                seen.add(key)
                reading.others.append(
                    OtherClaim(reuse.get_reason_display(), visible.get(reuse.other.declaration_id))
                )
        readings.append(reading)
    return readings
