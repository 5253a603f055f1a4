"""Writes on a yearly application: the wizard's steps, entries and evidence, and the moves of
review (each one call of `review.lifecycle.transition`, which locks, checks, trails, audits).

The rules read the person's region profile: `yearly_application` (sections, declaring regions,
certifiers, forwarding), `requirement.application_threshold_hours`, `title_tracks`,
`attachments` and the section categories' `fields`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone

from xueshi.accounts.details import find_track, person_choose_track, person_version
from xueshi.accounts.models import Person, RoleAssignment, RoleKind
from xueshi.core.audit import audit_record
from xueshi.declarations.evidence import check_upload
from xueshi.declarations.services import AlreadyHandled, delete_files_on_commit
from xueshi.orgs.models import Organization, OrganizationStatus
from xueshi.policy.resolver import profile_key_of, resolve_version
from xueshi.policy.schema import ProfileVersion
from xueshi.review.lifecycle import Action, transition

from .models import (
    MAX_HOURS,
    Application,
    ApplicationEntry,
    ApplicationStatus,
    EntryEvidence,
)

NOT_ENABLED = "本地区未启用学时认定申请书。"
NOT_EDITABLE = "申请书已提交审核，不能修改；退回后可修改再提交。"
UNIT_NOT_LISTED = (
    "列表中如果没有显示出申报人工作单位，请通知单位管理员在平台中进行单位注册，"
    "审核通过后再进行学时认定申请。"
)


def version_of(application: Application) -> ProfileVersion:
    return resolve_version(application.policy_profile, application.profile_version)


def enabled_version(person: Person, on_date: datetime.date | None = None) -> ProfileVersion:
    """The person's profile version, refused unless it has yearly applications on."""
    version = person_version(person, on_date)
    if version is None or not version.yearly_application.enabled:
        raise PermissionDenied(NOT_ENABLED)
    return version


def threshold_of(version: ProfileVersion) -> Decimal:
    threshold = version.requirement.application_threshold_hours
    return threshold if threshold is not None else version.requirement.total_hours


# --- numbering --------------------------------------------------------------------------------


def next_number(prefix: str, on: datetime.date) -> str:
    """SQ + date + a 6-digit sequence of the day: SQ20231026000504."""
    stem = f"{prefix}{on:%Y%m%d}"
    last = (
        Application.objects.filter(number__startswith=stem)
        .aggregate(last=Max("number"))
        .get("last")
    )
    sequence = int(last[len(stem) :]) + 1 if last else 1
    return f"{stem}{sequence:06d}"


# --- the wizard ---------------------------------------------------------------------------------


def _own(application: Application, role: RoleAssignment) -> None:
    if role.kind != RoleKind.PROFESSIONAL or application.person.user_id != role.user_id:
        raise PermissionDenied("只有申报人本人可以填报申请书。")


def _editable(application: Application, role: RoleAssignment) -> None:
    _own(application, role)
    if not application.is_editable:
        raise AlreadyHandled(NOT_EDITABLE)


@transaction.atomic
def application_start(
    *, person: Person, role: RoleAssignment, today: datetime.date | None = None
) -> Application:
    """新增学时认定: a draft for this year's 认定年度 ("认定年度为当年"); the one that exists is
    returned (one application per person and year)."""
    if role.kind != RoleKind.PROFESSIONAL or person.user_id != role.user_id:
        raise PermissionDenied("只有申报人本人可以填报申请书。")
    today = today or timezone.localdate()
    version = enabled_version(person, today)
    existing = Application.objects.filter(person=person, credit_year=today.year).first()
    if existing is not None:
        return existing
    for _attempt in range(5):
        try:
            with transaction.atomic():
                application = Application.objects.create(
                    number=next_number(version.yearly_application.number_prefix, today),
                    person=person,
                    unit=person.unit,
                    created_by=role.user,
                    policy_profile=profile_key_of(person.unit),
                    profile_version=version.effective_from,
                    filing_year=today.year,
                    filed_on=today,
                    credit_year=today.year,
                    declaring_region=person.declaring_region,
                )
        except IntegrityError:
            existing = Application.objects.filter(person=person, credit_year=today.year).first()
            if existing is not None:
                return existing
            continue  # two numbers at once: take the next
        audit_record(
            action="application.create", actor=role.user, role=role.kind, target=application
        )
        return application
    raise ValidationError("编号生成失败，请稍后再试。")


@transaction.atomic
def application_save_info(
    *, application: Application, role: RoleAssignment, region_code: str
) -> str:
    """Step 1 我的信息: the 申报区域 (also the person's) and the work unit; returns a notice
    when the region does not certify the grade chosen before (the grade is cleared)."""
    _editable(application, role)
    person = application.person
    if person.unit is None:
        raise ValidationError({"unit": "请先选择工作单位。" + UNIT_NOT_LISTED})
    version = version_of(application)
    notice = person_choose_track(
        person=person,
        region_code=region_code,
        specialty=application.specialty or person.specialty,
        version=version,
        actor=role.user,
    )
    region = version.yearly_application.region(region_code)
    if region is None:  # person_choose_track refused an unknown one already
        raise ValidationError({"declaring_region": "请选择申报区域。"})
    application.declaring_region = region.code
    application.declaring_region_name = region.name
    application.unit = person.unit
    if notice or (
        application.specialty and find_track(version, region.code, application.specialty) is None
    ):
        application.specialty = application.title_rank = ""
        application.certifier = None
    application.wizard_step = max(application.wizard_step, 1)
    application.save()
    return notice


@transaction.atomic
def application_save_track(
    *, application: Application, role: RoleAssignment, specialty: str
) -> None:
    """Step 2 选择认定专业: series / discipline / grade among those the region certifies."""
    _editable(application, role)
    if application.wizard_step < 1 or not application.declaring_region:
        raise ValidationError("请先完成第一步：我的信息。")
    version = version_of(application)
    track = find_track(version, application.declaring_region, specialty)
    if track is None:
        raise ValidationError({"specialty": "请选择申报区域认定的专业和等级。"})
    person_choose_track(
        person=application.person,
        region_code=application.declaring_region,
        specialty=track.value,
        version=version,
        actor=role.user,
    )
    if application.specialty != track.value:
        application.certifier = None  # another series may have other certifiers
    application.specialty = track.value
    application.title_rank = track.rank
    application.wizard_step = max(application.wizard_step, 2)
    application.save()


@dataclass(frozen=True)
class CertifierOffer:
    organizations: list[Organization]
    contact: str  # the seed's message when there is none


def certifier_offer(application: Application) -> CertifierOffer:
    """Step 3: the 认定单位 the profile offers for the region and the track's series, found by
    name among the region's active organisations; else whom to contact."""
    version = version_of(application)
    rules = version.yearly_application
    region = rules.region(application.declaring_region)
    contact = rules.contacts.get(region.tier, "") if region is not None else ""
    series = application.specialty.split("/")[0] if application.specialty else ""
    names = [c.name for c in rules.certifiers_for(application.declaring_region, series)]
    found = Organization.objects.filter(name__in=names, status=OrganizationStatus.ACTIVE)
    key = application.policy_profile
    organizations = [org for org in found if org.effective_policy_profile() == key]
    organizations.sort(key=lambda org: names.index(org.name))
    return CertifierOffer(organizations, contact)


@transaction.atomic
def application_save_certifier(
    *, application: Application, role: RoleAssignment, certifier_id: int | None
) -> None:
    """Step 3 认定单位: one the profile offers for this region and track."""
    _editable(application, role)
    if application.wizard_step < 2 or not application.specialty:
        raise ValidationError("请先完成第二步：选择认定专业。")
    offer = certifier_offer(application)
    chosen = next((org for org in offer.organizations if org.pk == certifier_id), None)
    if chosen is None:
        raise ValidationError({"certifier": "请选择认定单位。" + (offer.contact or "")})
    application.certifier = chosen
    application.wizard_step = 3
    application.save()


# --- entries and evidence ----------------------------------------------------------------------


@dataclass(frozen=True)
class EntryInput:
    section: str
    title: str
    organizer: str
    activity_type: str
    start_date: datetime.date | None
    end_date: datetime.date | None
    hours: Any


def type_field(version: ProfileVersion, section: str) -> tuple[str, list[str]] | None:
    """The section's type field (项目类型 / 类型) and its choices, if it shows one."""
    for _name, spec, _required in version.fields_for(section):
        if spec.type == "choice":
            return spec.label, list(spec.choices)
    return None


def check_entry(version: ProfileVersion, data: EntryInput) -> dict[str, Any]:
    """Every problem by field, in Chinese; the cleaned values when there is none."""
    errors: dict[str, str] = {}
    if data.section not in version.yearly_application.sections:
        raise ValidationError("没有该栏目。")
    labels = {name: spec.label for name, spec, _ in version.fields_for(data.section)}
    title, organizer = data.title.strip(), data.organizer.strip()
    for name, value in (("title", title), ("organizer", organizer)):
        label = labels.get(name, "标题" if name == "title" else "组织单位")
        if not value:
            errors[name] = f"请填写{label}。"
        elif len(value) > 200:
            errors[name] = f"{label}不能超过 200 个字（现 {len(value)} 个）。"
    typed = type_field(version, data.section)
    activity_type = data.activity_type.strip()
    if typed is not None:
        label, choices = typed
        if activity_type not in choices:
            errors["activity_type"] = f"请选择{label}。"
    else:
        activity_type = ""
    if data.start_date is None:
        errors["start_date"] = f"请填写{labels.get('start_date', '开始时间')}。"
    if data.start_date and data.end_date and data.end_date < data.start_date:
        errors["end_date"] = f"{labels.get('end_date', '结束时间')}不能早于开始时间。"
    hours_text = str(data.hours if data.hours is not None else "").strip()
    hours = 0
    if not hours_text:
        errors["hours"] = "请填写申请学时。"
    elif not hours_text.isdigit():
        errors["hours"] = "申请学时应为整数。"
    elif len(hours_text.lstrip("0") or "0") > 3 or int(hours_text) > MAX_HOURS:
        errors["hours"] = "申请学时最多 3 位数（不超过 999）。"
    elif int(hours_text) <= 0:
        errors["hours"] = "申请学时应大于 0。"
    else:
        hours = int(hours_text)
    if errors:
        raise ValidationError(errors)
    return {
        "section": data.section,
        "title": title,
        "organizer": organizer,
        "activity_type": activity_type,
        "start_date": data.start_date,
        "end_date": data.end_date,
        "hours": hours,
    }


@transaction.atomic
def entry_save(
    *,
    application: Application,
    role: RoleAssignment,
    data: EntryInput,
    entry: ApplicationEntry | None = None,
) -> ApplicationEntry:
    """Add an entry to a section, or change one (新增 / 编辑)."""
    application = _lock(application.pk)
    _editable(application, role)
    values = check_entry(version_of(application), data)
    if entry is None:
        entry = ApplicationEntry(application=application)
        action = "application.entry_add"
    else:
        if entry.application_id != application.pk:
            raise PermissionDenied("该项目不属于此申请书。")
        action = "application.entry_update"
    for name, value in values.items():
        setattr(entry, name, value)
    entry.save()
    audit_record(
        action=action,
        actor=role.user,
        role=role.kind,
        target=application,
        details={"entry": entry.pk, "section": entry.section, "hours": entry.hours},
    )
    return entry


@transaction.atomic
def entry_delete(*, entry: ApplicationEntry, role: RoleAssignment) -> None:
    application = _lock(entry.application_id)
    _editable(application, role)
    files = [evidence.file for evidence in entry.evidence.all()]
    audit_record(
        action="application.entry_delete",
        actor=role.user,
        role=role.kind,
        target=application,
        details={"entry": entry.pk, "title": entry.title, "hours": entry.hours},
    )
    entry.delete()
    delete_files_on_commit(files)


@transaction.atomic
def evidence_add(
    *,
    entry: ApplicationEntry,
    role: RoleAssignment,
    upload: UploadedFile,
    position: int | None = None,
) -> EntryEvidence:
    """上传佐证材料: jpg or pdf, at most 5 MB (the profile's `attachments`), read by content;
    at 顺序号 `position` (the files after it move down), else last."""
    application = _lock(entry.application_id)
    _editable(application, role)
    rules = version_of(application).attachments_for(entry.section)
    existing = entry.evidence.count()
    try:
        kind, content_type = check_upload(upload, rules, existing_count=existing)
    except ValidationError as error:
        raise ValidationError({"file": error.messages}) from error
    last = existing + 1
    if position is None or position > last:
        position = last
    if position < 1:
        raise ValidationError({"position": "顺序号应从 1 开始。"})
    _shift(entry, from_position=position, by=1)
    evidence = EntryEvidence(
        entry=entry,
        position=position,
        original_name=(upload.name or "佐证材料")[:200],
        kind=kind,
        content_type=content_type,
        size=upload.size or 0,
        uploaded_by=role.user,
    )
    evidence.file.save(f"evidence.{kind}", upload, save=False)
    evidence.save()
    audit_record(
        action="application.evidence_add",
        actor=role.user,
        role=role.kind,
        target=application,
        details={"entry": entry.pk, "file": evidence.original_name, "position": position},
    )
    return evidence


def _shift(entry: ApplicationEntry, *, from_position: int, by: int) -> None:
    EntryEvidence.objects.filter(entry=entry, position__gte=from_position).update(
        position=F("position") + by
    )


def _renumber(entry: ApplicationEntry) -> None:
    for number, evidence in enumerate(entry.evidence.order_by("position", "id"), start=1):
        if evidence.position != number:
            EntryEvidence.objects.filter(pk=evidence.pk).update(position=number)


@transaction.atomic
def evidence_move(*, evidence: EntryEvidence, role: RoleAssignment, by: int) -> None:
    """顺序号 − / +: swap with the neighbour before (−1) or after (+1)."""
    entry = evidence.entry
    _editable(_lock(entry.application_id), role)
    _renumber(entry)
    evidence.refresh_from_db(fields=["position"])
    target = evidence.position + (1 if by > 0 else -1)
    neighbour = entry.evidence.filter(position=target).first()
    if neighbour is None:
        return  # already first or last
    EntryEvidence.objects.filter(pk=neighbour.pk).update(position=evidence.position)
    EntryEvidence.objects.filter(pk=evidence.pk).update(position=target)


@transaction.atomic
def evidence_delete(*, evidence: EntryEvidence, role: RoleAssignment) -> None:
    entry = evidence.entry
    application = _lock(entry.application_id)
    _editable(application, role)
    audit_record(
        action="application.evidence_delete",
        actor=role.user,
        role=role.kind,
        target=application,
        details={"entry": entry.pk, "file": evidence.original_name},
    )
    file = evidence.file
    evidence.delete()
    _renumber(entry)
    delete_files_on_commit([file])


def _lock(pk: int) -> Application:
    return Application.objects.select_for_update(of=("self",)).select_related("person").get(pk=pk)


# --- totals -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SectionTotal:
    number: int  # the seed's numbering of item 12's list: 1 … 9
    code: str
    name: str
    hours: int


def section_totals(application: Application, version: ProfileVersion) -> list[SectionTotal]:
    """Each section's total (item 12 各栏目申请学时情况), one query."""
    sums: dict[str, int] = {}
    for section, hours in application.entries.values_list("section", "hours"):
        sums[section] = sums.get(section, 0) + hours
    return [
        SectionTotal(n, code, version.leaf(code).category.name, sums.get(code, 0))
        for n, code in enumerate(version.yearly_application.sections, start=1)
    ]


def application_total(application: Application) -> int:
    return sum(application.entries.values_list("hours", flat=True))


def shortfall(application: Application, version: ProfileVersion) -> Decimal:
    return max(threshold_of(version) - application_total(application), Decimal(0))


def fmt_hours(value: Decimal | int) -> str:
    return f"{Decimal(value).normalize():f}"


def check_submittable(application: Application) -> ProfileVersion:
    """The rules at 提交审核: the three wizard steps, the threshold ("还差 N 学时"), evidence on
    every entry where the profile requires it. Raises ValidationError listing them."""
    version = version_of(application)
    problems: list[str] = []
    if application.wizard_step < 3 or application.certifier_id is None:
        problems.append("请先完成学时认定填报引导的三步（我的信息、选择认定专业、认定单位）")
    missing = shortfall(application, version)
    if missing > 0:
        problems.append(
            f"申请总学时未达到 {fmt_hours(threshold_of(version))} 学时，还差 "
            f"{fmt_hours(missing)} 学时"
        )
    for entry in application.entries.prefetch_related("evidence"):
        rules = version.attachments_for(entry.section)
        if rules.required and not entry.evidence.all():
            problems.append(f"“{entry.title}”尚未上传佐证材料")
    if problems:
        raise ValidationError("不能提交：" + "；".join(problems) + "。")
    return version


# --- the moves of review: one transition each ---------------------------------------------------


def application_submit(
    *, application_id: int, actor: Any, role: RoleAssignment, request: Any = None
) -> Application:
    """提交审核 (and resubmit after 退回): to the person's unit, then on to the 认定单位."""
    result: Application = transition(
        Application,
        item_id=application_id,
        action=Action.SUBMIT,
        actor=actor,
        role=role,
        request=request,
    )
    return result


def application_agree(
    *,
    application_id: int,
    actor: Any,
    role: RoleAssignment,
    comment: str,
    forward_to: Organization | None = None,
    expected_position: int | None = None,
    request: Any = None,
) -> Application:
    """同意: with a 推荐意见; before the certifier, choosing the 提交单位 (`forward_to`); at the
    certifier the final approval, which puts the hours into the ledger."""
    result: Application = transition(
        Application,
        item_id=application_id,
        action=Action.APPROVE,
        actor=actor,
        role=role,
        comment=comment,
        forward_to=forward_to,
        expected_position=expected_position,
        request=request,
    )
    return result


def application_return(
    *,
    application_id: int,
    actor: Any,
    role: RoleAssignment,
    reason: str,
    expected_position: int | None = None,
    request: Any = None,
) -> Application:
    """退回 with a reason: the person mends and resubmits."""
    result: Application = transition(
        Application,
        item_id=application_id,
        action=Action.RETURN,
        actor=actor,
        role=role,
        reason=reason,
        expected_position=expected_position,
        request=request,
    )
    return result


def application_delete(
    *, application_id: int, actor: Any, role: RoleAssignment, request: Any = None
) -> None:
    """删除 a draft or returned application (the lifecycle's discard)."""
    transition(
        Application,
        item_id=application_id,
        action=Action.DISCARD,
        actor=actor,
        role=role,
        request=request,
    )


def is_draft(application: Application) -> bool:
    return application.status == ApplicationStatus.DRAFT
