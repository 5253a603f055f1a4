"""A person's details (issue 13 item 11, Xinjiang): one-inch photo, 民族, 文化程度, 学位, emergency
phone, and the 申报区域 and 认定专业 chosen from the region profile's lists, never typed.

Writes (``person_*``) and the lookups the forms need (``track_choices``) live here; the
profile's `yearly_application.declaring_regions` and `title_tracks` are the lists.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from xueshi.core.audit import audit_record
from xueshi.core.changes import save_changes
from xueshi.core.identifiers import clean_phone
from xueshi.policy.resolver import profile_key_of, try_resolve_version
from xueshi.policy.schema import AttachmentRules, ProfileVersion
from xueshi.policy.uploads import detect_kind, kind_problem, upload_problems

from .models import ETHNICITIES, Degree, Education, Person, TitleGrade

# 一寸照: a picture, checked by its content, small enough for a certificate.
PHOTO_RULES = AttachmentRules(kinds=["jpg", "png"], max_size_mb=Decimal(2))


def person_version(person: Person, on_date: datetime.date | None = None) -> ProfileVersion | None:
    """The profile version of the person's region today (None: no unit or no profile)."""
    key = profile_key_of(person.unit)
    if not key:
        return None
    return try_resolve_version(key, on_date or timezone.localdate())


@dataclass(frozen=True)
class TrackChoice:
    """One grade a declaring region certifies, as the cascade shows it."""

    series: str
    discipline: str
    grade: str
    rank: str

    @property
    def value(self) -> str:
        """What is stored as the person's 认定专业: 教师系列/高校教师/教授."""
        return f"{self.series}/{self.discipline}/{self.grade}"


def track_choices(version: ProfileVersion, region_code: str) -> list[TrackChoice]:
    """Region → the grades it offers (its tier's ranks), in the profile's order."""
    return [
        TrackChoice(series, discipline, grade.name, grade.rank)
        for series, discipline, grade in version.grades_offered(region_code)
    ]


def find_track(version: ProfileVersion, region_code: str, specialty: str) -> TrackChoice | None:
    return next((c for c in track_choices(version, region_code) if c.value == specialty), None)


def region_name(version: ProfileVersion | None, code: str) -> str:
    if version is None or not code:
        return ""
    region = version.yearly_application.region(code)
    return region.name if region is not None else ""


def _clean_phone(value: str, field: str) -> str:
    value = value.strip()
    if not value:
        return ""
    try:
        return clean_phone(value)
    except ValidationError as error:
        raise ValidationError({field: error.messages}) from error


@transaction.atomic
def person_update_details(
    *,
    person: Person,
    ethnicity: str,
    education: str,
    degree: str,
    emergency_phone: str,
    actor: Any = None,
) -> list[str]:
    """民族, 文化程度, 学位 and 紧急联系电话, each from its list or checked; returns what
    changed."""
    errors: dict[str, str] = {}
    if ethnicity and ethnicity not in ETHNICITIES:
        errors["ethnicity"] = "请从列表中选择民族。"
    if education and education not in Education.values:
        errors["education"] = "请从列表中选择文化程度。"
    if degree and degree not in Degree.values:
        errors["degree"] = "请从列表中选择学位。"
    phone = ""
    try:
        phone = _clean_phone(emergency_phone, "emergency_phone")
    except ValidationError as error:
        errors["emergency_phone"] = error.message_dict["emergency_phone"][0]
    if errors:
        raise ValidationError(errors)
    changed = save_changes(
        person, ethnicity=ethnicity, education=education, degree=degree, emergency_phone=phone
    )
    if changed:
        audit_record(
            action="person.update_details", actor=actor, target=person, details={"changed": changed}
        )
    return changed


def check_photo(upload: UploadedFile) -> str:
    """Refuse a photo that is not a jpg/png by content or is too large; return its kind."""
    problems = upload_problems(PHOTO_RULES, count=1, sizes=[upload.size or 0])
    if problems:
        raise ValidationError({"photo": f"一寸照{problems[0]}。"})
    kind, _ = detect_kind(upload)
    problem = kind_problem(PHOTO_RULES, kind)
    if problem:
        raise ValidationError({"photo": f"一寸照{problem}。"})
    return kind


@transaction.atomic
def person_set_photo(*, person: Person, upload: UploadedFile, actor: Any = None) -> Person:
    """一寸照 (used on the certificate): replaces the previous one."""
    kind = check_photo(upload)
    old = person.photo.name if person.photo else ""
    person.photo.save(f"photo.{kind}", upload, save=False)
    person.save(update_fields=["photo"])
    if old:
        storage, name = person.photo.storage, old
        transaction.on_commit(lambda: storage.delete(name))
    audit_record(action="person.set_photo", actor=actor, target=person, details={"kind": kind})
    return person


@transaction.atomic
def person_choose_track(
    *,
    person: Person,
    region_code: str,
    specialty: str,
    version: ProfileVersion | None = None,
    actor: Any = None,
) -> str:
    """申报区域 and 认定专业 from the profile's lists; returns a notice for the person ("").

    A grade the new region does not certify is cleared, and the notice says why
    ("自治区认定高级及正高，地州市级认定初、中级").
    """
    version = version or person_version(person)
    specialty = plain_specialty(specialty)
    if version is None or not version.yearly_application.declaring_regions:
        raise ValidationError({"declaring_region": "本地区不设申报区域。"})
    region = version.yearly_application.region(region_code)
    if region is None:
        raise ValidationError({"declaring_region": "请选择申报区域。"})
    notice = ""
    track = find_track(version, region_code, specialty) if specialty else None
    if specialty and track is None:
        offered = any(c.value == specialty for c in _all_tracks(version))
        if not offered:
            raise ValidationError({"specialty": "请从列表中选择认定专业。"})
        tier = version.tier(region.tier)
        ranks = "、".join(tier.ranks) if tier else ""
        notice = (
            f"申报区域“{region.name}”只认定{ranks}职称，原选择的认定专业“{specialty}”已清空，"
            "请重新选择认定专业。"
        )
    values: dict[str, Any] = {"declaring_region": region.code}
    if track is not None:
        values.update(specialty=track.value, title_grade=track.rank)
    elif specialty or notice:
        values.update(specialty="", title_grade=TitleGrade.NONE)
    changed = save_changes(person, **values)
    if changed:
        audit_record(
            action="person.choose_track",
            actor=actor,
            target=person,
            details={"changed": changed, "region": region.code},
        )
    return notice


def plain_specialty(specialty: str) -> str:
    """教师系列/高校教师/教授(正高) → 教师系列/高校教师/教授 (the rank is the grade's own)."""
    specialty = (specialty or "").strip()
    if specialty.endswith(")") and "(" in specialty:
        return specialty[: specialty.rindex("(")]
    return specialty


def _all_tracks(version: ProfileVersion) -> list[TrackChoice]:
    return [
        TrackChoice(series.series, discipline.name, grade.name, grade.rank)
        for series in version.title_tracks
        for discipline in series.disciplines
        for grade in discipline.grades
    ]
