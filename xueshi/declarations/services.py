"""Writes a declarant makes while drafting: save a draft, attach evidence.

Every move after drafting (submit, withdraw, delete, the reviewers' verdicts) is the review
lifecycle's (xueshi/review/lifecycle.py); this app knows no review chain.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Sum
from django.db.models.fields.files import FieldFile
from django.http import HttpRequest
from django.utils import timezone

from xueshi.accounts.models import Person, RoleAssignment, RoleKind
from xueshi.accounts.permissions import declaring_access, people_in_scope
from xueshi.core.audit import audit_record
from xueshi.core.errors import error_text
from xueshi.core.files import file_save
from xueshi.core.identifiers import clean_id_number
from xueshi.ledger.models import LedgerEntry
from xueshi.orgs.models import Organization, OrganizationKind
from xueshi.orgs.selectors import WindowState, declaring_window_state
from xueshi.plans.models import PlannedTraining
from xueshi.plans.selectors import trainings_offered
from xueshi.policy.facts import ClaimFacts
from xueshi.policy.hours import (
    HoursInputError,
    HoursResult,
    calculate_hours,
    fmt,
    validate_declaration_inputs,
)
from xueshi.policy.resolver import resolve_version
from xueshi.policy.schema import AttachmentRules, ProfileVersion

from .events import evidence_attached, publish
from .evidence import check_upload
from .models import Attachment, AttachmentPurpose, Declaration
from .permissions import is_declarant
from .richtext import cleaned_value
from .rules import allowed_credit_years, profile_key_for, rules_date, supplement_granted

# Inputs stored in their own columns; everything else a category asks for goes to `extra`.
COLUMN_FIELDS = (
    "title",
    "description",
    "certificate_number",
    "start_date",
    "end_date",
    "quantity",
    "credit_year",
)


class AlreadyHandled(ValidationError):
    """Someone else changed the claim first; the action is refused, nothing changed."""


@dataclass(frozen=True)
class DeclarationInput:
    category_code: str
    level_code: str
    fields: Mapping[str, Any]
    pledge: bool = False
    # 增补: a claim for a closed year under a granted supplement request.
    supplement: bool = False
    # 学分申报: the amount typed is in credits (the profile's ``credits``), not hours.
    credits: Decimal | None = None


def _lock(declaration_id: int) -> Declaration:
    return (
        Declaration.objects.select_for_update(of=("self",))
        .select_related("person", "unit")
        .get(pk=declaration_id)
    )


OUT_OF_SCOPE = "该人员不在您的管理范围内。"
ROLE_MAY_NOT_DECLARE = "本地区该申报类型不允许您的角色代为申报。"


class DeclaringLookups:
    """What ``declaration_prepare`` looks up, remembered for one request or one import.

    Within ``one_request()`` (a create-and-submit view), the view, drafting and submit share
    one: the profile version is resolved once and the declaring window checked once.

    ``declaration_save`` uses a fresh one (nothing changes for it). An import keeps one for the
    whole file: each unit's profile key, each profile version and the credit years on offer are
    found once, and the people it fetched through the role's scope (``in_scope``) need no second
    scope query per row; per (version, category, level) the declarants and the names stored
    on the claim are looked up once. Only lookups are remembered; every rule still runs for
    every row.

    The per-version caches are keyed by ``id(version)``: every version passed in comes from
    ``version()``, whose cache keeps it alive, so an id is never reused meanwhile.
    """

    def __init__(self) -> None:
        self.in_scope: set[int] = set()  # person ids known to be in the declaring role's scope
        self._keys: dict[tuple[int | None, int | None], str] = {}
        self._versions: dict[tuple[str, datetime.date], ProfileVersion] = {}
        self._years: dict[tuple[int, datetime.date], list[int]] = {}
        self._declarants: dict[tuple[int, str], list[str]] = {}
        self._names: dict[tuple[int, str, str], tuple[str, str]] = {}
        self._windows: dict[tuple[int | None, datetime.date], WindowState] = {}

    def profile_key(self, person: Person, organization: Organization | None) -> str:
        cache_key = (person.unit_id, organization.pk if organization is not None else None)
        key = self._keys.get(cache_key)
        if key is None:
            key = self._keys[cache_key] = profile_key_for(person, organization)
        return key

    def version(self, key: str, on_date: datetime.date) -> ProfileVersion:
        found = self._versions.get((key, on_date))
        if found is None:
            found = self._versions[(key, on_date)] = resolve_version(key, on_date)
            # A stored claim names its version by the day it took effect: the same version.
            self._versions.setdefault((key, found.effective_from), found)
        return found

    def window(self, unit: Organization | None, today: datetime.date) -> WindowState:
        """``declaring_window_state``, checked once per unit and day."""
        cache_key = (unit.pk if unit is not None else None, today)
        found = self._windows.get(cache_key)
        if found is None:
            found = self._windows[cache_key] = declaring_window_state(unit, today)
        return found

    def credit_years(self, version: ProfileVersion, today: datetime.date) -> list[int]:
        years = self._years.get((id(version), today))
        if years is None:
            years = self._years[(id(version), today)] = allowed_credit_years(version, today)
        return years

    def declarants(self, version: ProfileVersion, category_code: str) -> list[str]:
        """``version.declarants_for`` (KeyError for an unknown category, not remembered).
        The list is shared: read it, do not change it."""
        cache_key = (id(version), category_code)
        found = self._declarants.get(cache_key)
        if found is None:
            found = self._declarants[cache_key] = version.declarants_for(category_code)
        return found

    def names(
        self, version: ProfileVersion, category_code: str, level_code: str
    ) -> tuple[str, str]:
        """(category's full name, level's name) stored on a claim (KeyError as
        ``version.leaf`` / ``version.level`` raise it, not remembered)."""
        cache_key = (id(version), category_code, level_code)
        found = self._names.get(cache_key)
        if found is None:
            found = self._names[cache_key] = (
                version.leaf(category_code).full_name,
                version.level(category_code, level_code).name,
            )
        return found


_request_lookups: ContextVar[DeclaringLookups | None] = ContextVar(
    "declaring_request_lookups", default=None
)


@contextmanager
def one_request() -> Iterator[DeclaringLookups]:
    """Share one ``DeclaringLookups`` among everything a request does (see its docstring)."""
    lookups = DeclaringLookups()
    token = _request_lookups.set(lookups)
    try:
        yield lookups
    finally:
        _request_lookups.reset(token)


def request_lookups() -> DeclaringLookups:
    """The request's shared lookups inside ``one_request()``, else a fresh one."""
    return _request_lookups.get() or DeclaringLookups()


def _check_may_declare_for(
    person: Person,
    role: RoleAssignment,
    categories_declarants: list[str],
    lookups: DeclaringLookups,
    version: ProfileVersion,
) -> None:
    # Zhejiang 省属企业: nobody declares for a person their enterprise and its supervising
    # department have not enabled, neither they themselves nor anyone for them.
    access = declaring_access(person, version.access)
    if not access.allowed:
        raise PermissionDenied(access.reason)
    if role.kind == RoleKind.PROFESSIONAL:
        if person.user_id != role.user_id:
            raise PermissionDenied("只能为本人申报。")
        return
    if role.kind not in categories_declarants:
        raise PermissionDenied(ROLE_MAY_NOT_DECLARE)
    if role.kind == RoleKind.TRAINING_BASE_ADMIN:
        return  # a training base declares for whoever attended its course
    if person.pk in lookups.in_scope:
        return
    if not people_in_scope(role).filter(pk=person.pk).exists():
        raise PermissionDenied(OUT_OF_SCOPE)


# Xinjiang (seed 004): hours are certified by one yearly application (学时认定申请书) whose total
# reaches the threshold, never activity by activity: "只要填写学时累计达到认定课时数 60 即可".
YEARLY_APPLICATION_ONLY = (
    "本地区专业科目学时通过《学时认定申请书》认定，不能逐项申报：请在“学时认定申请”中填写，"
    "累计达到 {threshold} 学时后提交审核。"
)


def refuse_if_yearly_application(version: ProfileVersion) -> None:
    """A profile with yearly applications on takes no per-activity declarations."""
    if version.yearly_application.enabled:
        threshold = (
            version.requirement.application_threshold_hours or version.requirement.total_hours
        )
        raise ValidationError(
            YEARLY_APPLICATION_ONLY.format(threshold=f"{threshold.normalize():f}")
        )


def credit_year_of(fields: Mapping[str, Any], today: datetime.date) -> int:
    """The credit year typed, else the year the activity ended (or started), else this year."""
    year = fields.get("credit_year")
    if year:
        return year  # as typed; the validator and the credit-year check judge it
    for name in ("end_date", "start_date"):
        value = fields.get(name)
        if isinstance(value, datetime.date):
            return value.year
    return today.year


def declaration_prepare(
    *,
    person: Person,
    data: DeclarationInput,
    actor: Any,
    role: RoleAssignment,
    declaration: Declaration | None = None,
    today: datetime.date | None = None,
    hours_already: Decimal | None = None,
    attachment_count: int = 0,
    lookups: DeclaringLookups | None = None,
) -> Declaration:
    """The rules of creating or changing a draft, without saving it.

    Picks the profile version, checks who may declare for whom, the declaring window (a
    person's own claims), the inputs against the profile, the credit year and the yearly
    category cap, computes the hours, and fills ``declaration`` (or a new, unsaved one).
    Raises ``PermissionDenied``, or ``ValidationError`` (by field where it is about a field).
    ``hours_already`` is what the person already has in the category that credit year (looked
    up when not given); ``lookups`` remembers lookups across calls (an import). Reads the
    database only for what it is not given; never writes.
    """
    today = today or timezone.localdate()
    lookups = lookups or request_lookups()
    if declaration is not None:
        person = declaration.person
    declaring_organization = None if role.kind == RoleKind.PROFESSIONAL else role.organization
    key = lookups.profile_key(person, declaring_organization)
    fields = dict(data.fields)
    credit_year = credit_year_of(fields, today)
    version = lookups.version(
        key, rules_date(credit_year=credit_year, start_date=fields.get("start_date"))
    )
    refuse_if_yearly_application(version)
    try:
        declarants = lookups.declarants(version, data.category_code)
    except KeyError:
        raise ValidationError({"category": ["请选择有效的申报类型"]}) from None
    _check_may_declare_for(person, role, declarants, lookups, version)
    _clean_rich_text(version, data.category_code, fields, declaration)
    planned = _planned_training(version, data.category_code, fields, person)
    credit_note = _credits_to_hours(version, data, fields)

    supplement = data.supplement or (declaration is not None and declaration.is_supplement)
    years = lookups.credit_years(version, today)
    if supplement:
        # 增补: only the person, only with the unit's consent for this category and year; the
        # declaring window and the usual credit years do not apply.
        if role.kind != RoleKind.PROFESSIONAL:
            raise PermissionDenied("增补只能由本人填报。")
        refusal = supplement_granted(person, credit_year, data.category_code, today)
        if refusal is not None:
            raise ValidationError({"credit_year": [refusal]})
        years = [credit_year]
    elif role.kind == RoleKind.PROFESSIONAL:
        window = lookups.window(person.unit, today)
        if not window.open:
            raise ValidationError(window.reason)
    if hours_already is None:
        hours_already = hours_already_granted(
            person=person, credit_year=credit_year, category_code=data.category_code
        )
    facts = ClaimFacts(
        category_code=data.category_code,
        level_code=data.level_code,
        credit_year=credit_year,
        fields=fields,
        hours_already_this_year=hours_already,
        attachment_count=attachment_count,
        pledge=data.pledge,
        declared_by=str(role.kind),
    )
    result = claim_check(
        version,
        facts,
        years=years,
        by_person=role.kind == RoleKind.PROFESSIONAL,
        draft=True,
    )

    category_name, level_name = lookups.names(version, data.category_code, data.level_code)
    if declaration is None:
        declaration = Declaration(
            person=person,
            unit=person.unit,
            registered_by_organization=declaring_organization,
            created_by=actor,
        )
    declaration.policy_profile = key
    declaration.profile_version = version.effective_from
    declaration.is_supplement = supplement
    declaration.category_code = data.category_code
    declaration.category_name = category_name
    declaration.level_code = data.level_code
    declaration.level_name = level_name
    for name in COLUMN_FIELDS:
        setattr(declaration, name, fields.get(name) if name != "credit_year" else credit_year)
    declaration.description = declaration.description or ""
    # Some regions (Anyang) ask only for a description (申报描述): it names the claim then.
    declaration.title = declaration.title or (declaration.description or category_name)[:200]
    declaration.certificate_number = declaration.certificate_number or ""
    declaration.extra = {
        name: _jsonable(value)
        for name, value in fields.items()
        if name not in COLUMN_FIELDS and name != "hours_claimed" and value not in (None, "")
    }
    declaration.planned_training = planned
    declaration.credits_claimed = data.credits
    declaration.hours_claimed = result.hours
    declaration.hours_explanation = (credit_note or result.explanation)[:500]
    declaration.pledge = data.pledge
    return declaration


def _credits_to_hours(
    version: ProfileVersion, data: DeclarationInput, fields: dict[str, Any]
) -> str:
    """学分申报: the credits typed become the hours the rules check and the ledger counts, at
    the profile's rate; the sentence that says so ("" for a claim in hours)."""
    if data.credits is None:
        return ""
    unit = version.credits_for(data.category_code)
    if unit is None:
        raise ValidationError({"measure": ["该学习形式不能按学分申报，请按学时申报。"]})
    if data.credits <= 0:
        raise ValidationError({"hours_claimed": [f"申报{unit.label}应大于 0"]})
    hours = (data.credits * unit.hours_per_credit).quantize(Decimal("0.01"))
    fields["hours_claimed"] = hours
    return (
        f"{fmt(data.credits)} {unit.label} × {fmt(unit.hours_per_credit)} 学时/{unit.label}"
        f" = {fmt(hours)} 学时"
    )


def _planned_training(
    version: ProfileVersion, category_code: str, fields: dict[str, Any], person: Person
) -> PlannedTraining | None:
    """Henan forms 13/14: the chosen training must be in a yearly plan filed with 人社 for the
    credit year, organised by the person's supervising department (13) or own unit (14). Its
    name, organiser and dates become the claim's (issue 13 item 9)."""
    rule = version.leaf(category_code).category.training_plan
    if rule is None:
        return None
    chosen = fields.get("planned_training")
    if chosen in (None, ""):
        return None  # the validator asks for it
    try:
        training_id = int(str(chosen))
    except ValueError:
        training_id = 0
    year = fields.get("credit_year")
    years = (
        [int(str(year))]
        if str(year or "").isascii() and str(year or "").isdigit()
        else [timezone.localdate().year]
    )
    training = (
        trainings_offered(person.unit, category_code, rule, years).filter(pk=training_id).first()
    )
    if training is None:
        raise ValidationError(
            {"planned_training": ["请选择已报人社部门备案的年度培训计划中、计入年度当年的培训。"]}
        )
    fields["planned_training"] = training.pk
    fields["title"] = training.title
    fields["organizer"] = training.organizer.name
    fields["start_date"] = training.start_date
    fields["end_date"] = training.end_date
    return training


def _clean_rich_text(
    version: ProfileVersion,
    category_code: str,
    fields: dict[str, Any],
    declaration: Declaration | None,
) -> None:
    """Rich-text fields sanitised in place (nh3): formatting and the claim's own pictures only,
    no script, no style, no external address (issue 13 item 12)."""
    for name, spec, _required in version.fields_for(category_code):
        value = fields.get(name)
        if spec.type != "rich_text" or not value:
            continue
        own: set[int] = set()
        if declaration is not None and declaration.pk is not None and "<img" in str(value):
            own = set(
                declaration.attachments.filter(purpose=AttachmentPurpose.INLINE).values_list(
                    "pk", flat=True
                )
            )
        fields[name] = cleaned_value(str(value), images=own)


def claim_check(
    version: ProfileVersion,
    facts: ClaimFacts,
    *,
    years: list[int] | None,
    by_person: bool,
    draft: bool,
) -> HoursResult:
    """The rules every claim meets, whoever declares it (a person, a unit, a training base, an
    import row) and whether it is saved or sent: the inputs against the profile, the credit
    year (``years`` on offer; None skips it, a submitted claim keeps its year), and the hours
    with the yearly category cap. One set of messages. Raises ``ValidationError`` by field.

    ``draft``: evidence may still be missing. ``by_person``: the pledge is the person's own
    promise, not asked of an organisation declaring for them.
    """
    errors = validate_declaration_inputs(version, facts.category_code, facts)
    if draft:
        # Evidence is checked when it is added and again at submission.
        errors.pop("attachments", None)
    if version.pledge is not None and not by_person:
        errors.pop("pledge", None)
    if years is not None and facts.credit_year not in years:
        errors.setdefault("credit_year", []).append(
            f"计入年度只能选择 {'、'.join(str(year) for year in years)}。"
        )
    if errors:
        raise ValidationError(errors)
    try:
        return calculate_hours(version, facts.category_code, facts.level_code, facts)
    except HoursInputError as error:
        raise ValidationError(error.errors) from error


@transaction.atomic
def declaration_save(
    *,
    person: Person,
    data: DeclarationInput,
    actor: Any,
    role: RoleAssignment,
    declaration: Declaration | None = None,
    request: HttpRequest | None = None,
    today: datetime.date | None = None,
) -> Declaration:
    """Create a draft, or change a draft or returned claim; hours are computed by the rules.

    ``today`` judges the claim as of another day (demo data of last year); the audit says so.
    """
    if declaration is not None:
        declaration = _lock(declaration.pk)
        if not declaration.is_editable:
            raise AlreadyHandled("该申报已提交或已审核，不能修改。")
        if not is_declarant(declaration, role):
            raise PermissionDenied("只有申报人可以修改。")
    declaration = declaration_prepare(
        person=person,
        data=data,
        actor=actor,
        role=role,
        declaration=declaration,
        attachment_count=declaration.evidence().count() if declaration is not None else 0,
        today=today,
    )
    is_new = declaration.pk is None
    declaration.save()
    audit_record(
        action="declaration.create" if is_new else "declaration.update",
        actor=actor,
        role=role.kind,
        request=request,
        target=declaration,
        to_state=declaration.status,
        details={"declared_as_of": today.isoformat()} if today is not None else None,
    )
    return declaration


def hours_already_granted(*, person: Person, credit_year: int, category_code: str) -> Decimal:
    """Hours of the category already counted for the person this year (approvals − removals)."""
    total = LedgerEntry.objects.filter(
        person=person, credit_year=credit_year, category_code=category_code
    ).aggregate(hours=Sum("hours"))["hours"]
    return total or Decimal(0)


def hours_already_granted_many(
    keys: Iterable[tuple[int, int, str]],
) -> dict[tuple[int, int, str], Decimal]:
    """``hours_already_granted`` for many (person id, credit year, category code) at once, in
    one query; keys with nothing counted are left out (0)."""
    wanted = set(keys)
    if not wanted:
        return {}
    rows = (
        LedgerEntry.objects.filter(
            person_id__in={person_id for person_id, _year, _code in wanted},
            credit_year__in={year for _person_id, year, _code in wanted},
            category_code__in={code for _person_id, _year, code in wanted},
        )
        .values_list("person_id", "credit_year", "category_code")
        .annotate(hours=Sum("hours"))
        .order_by()
    )
    return {
        (person_id, year, code): hours or Decimal(0)
        for person_id, year, code, hours in rows
        if (person_id, year, code) in wanted
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


@transaction.atomic
def attachment_add(
    *,
    declaration: Declaration,
    upload: UploadedFile,
    actor: Any,
    role: RoleAssignment,
    request: HttpRequest | None = None,
    caption: str = "",
) -> Attachment:
    declaration = _lock(declaration.pk)
    if not declaration.is_editable:
        raise AlreadyHandled("该申报已提交或已审核，不能再上传附件。")
    if not is_declarant(declaration, role):
        raise PermissionDenied("只有申报人可以上传附件。")
    version = resolve_version(declaration.policy_profile, declaration.profile_version)
    rules = version.attachments_for(declaration.category_code)
    caption = attachment_caption_check(rules, caption)
    kind, content_type = check_upload(upload, rules, existing_count=declaration.evidence().count())
    attachment = Attachment(
        declaration=declaration,
        caption=caption,
        original_name=(upload.name or "附件")[-200:],
        kind=kind,
        content_type=content_type,
        size=upload.size or 0,
        uploaded_by=actor,
    )
    file_save(attachment.file, "upload", upload)  # a full disk: StorageFailed, a message
    attachment.save()
    audit_record(
        action="attachment.add", actor=actor, role=role.kind, request=request, target=attachment
    )
    publish(evidence_attached, attachment=attachment, actor=actor)
    return attachment


def attachment_caption_check(rules: AttachmentRules, caption: str) -> str:
    """The caption as stored (spaces trimmed), or ValidationError on the ``caption`` field
    (seed 003 “附件说明限33个字”). A region without captions keeps none."""
    spec = rules.caption
    if spec is None:
        return ""
    caption = " ".join(caption.split())
    if spec.required and not caption:
        raise ValidationError({"caption": [f"请填写{spec.label}。"]})
    if len(caption) > spec.max_length:
        raise ValidationError(
            {
                "caption": [
                    f"{spec.label}最多 {spec.max_length} 个字（已输入 {len(caption)} 个字）。"
                ]
            }
        )
    return caption


@transaction.atomic
def attachment_caption_set(
    *,
    attachment: Attachment,
    caption: str,
    actor: Any,
    role: RoleAssignment,
    request: HttpRequest | None = None,
) -> Attachment:
    """Change the caption (附件说明) of an evidence file of a claim still being drafted."""
    declaration = _lock(attachment.declaration_id)
    if not declaration.is_editable:
        raise AlreadyHandled("该申报已提交或已审核，不能修改附件说明。")
    if not is_declarant(declaration, role):
        raise PermissionDenied("只有申报人可以修改附件说明。")
    version = resolve_version(declaration.policy_profile, declaration.profile_version)
    caption = attachment_caption_check(version.attachments_for(declaration.category_code), caption)
    if caption != attachment.caption:
        old = attachment.caption
        attachment.caption = caption
        attachment.save(update_fields=["caption"])
        audit_record(
            action="attachment.caption",
            actor=actor,
            role=role.kind,
            request=request,
            target=attachment,
            details={"from": old, "to": caption},
        )
    return attachment


def inline_image_rules(version: ProfileVersion, category_code: str) -> AttachmentRules | None:
    """What a picture inside the category's rich text may be (the field's ``image_kinds``, the
    evidence size limit), or None where the form has no rich text that takes pictures."""
    for _name, spec, _required in version.fields_for(category_code):
        if spec.type == "rich_text" and spec.image_kinds:
            evidence = version.attachments_for(category_code)
            return AttachmentRules(kinds=spec.image_kinds, max_size_mb=evidence.max_size_mb)
    return None


@transaction.atomic
def inline_image_add(
    *,
    declaration: Declaration,
    upload: UploadedFile,
    actor: Any,
    role: RoleAssignment,
    request: HttpRequest | None = None,
) -> Attachment:
    """A picture put inside 详细及附件 ("点击详细及附件工具条中的图片…选择本地上传"): the
    declarant's own editable claim, a picture kind the profile allows, read from the content."""
    declaration = _lock(declaration.pk)
    if not declaration.is_editable:
        raise AlreadyHandled("该申报已提交或已审核，不能再插入图片。")
    if not is_declarant(declaration, role):
        raise PermissionDenied("只有申报人可以插入图片。")
    version = resolve_version(declaration.policy_profile, declaration.profile_version)
    rules = inline_image_rules(version, declaration.category_code)
    if rules is None:
        raise ValidationError("该申报类型的表单不能插入图片。")
    kind, content_type = check_upload(upload, rules, existing_count=0)
    image = Attachment(
        declaration=declaration,
        original_name=(upload.name or "图片")[-200:],
        kind=kind,
        content_type=content_type,
        size=upload.size or 0,
        uploaded_by=actor,
        purpose=AttachmentPurpose.INLINE,
    )
    image.file.save("upload", upload, save=False)
    image.save()
    audit_record(
        action="attachment.add",
        actor=actor,
        role=role.kind,
        request=request,
        target=image,
        details={"purpose": AttachmentPurpose.INLINE},
    )
    return image


@transaction.atomic
def attachment_delete(
    *, attachment: Attachment, actor: Any, role: RoleAssignment, request: HttpRequest | None = None
) -> None:
    declaration = _lock(attachment.declaration_id)
    if not declaration.is_editable:
        raise AlreadyHandled("该申报已提交或已审核，不能删除附件。")
    if not is_declarant(declaration, role):
        raise PermissionDenied("只有申报人可以删除附件。")
    audit_record(
        action="attachment.delete",
        actor=actor,
        role=role.kind,
        request=request,
        target=attachment,
        details={"original_name": attachment.original_name},
    )
    file = attachment.file
    attachment.delete()
    delete_files_on_commit([file])


def declaration_check_submittable(declaration: Declaration) -> ProfileVersion:
    """The rules a claim must meet when it is sent for review; returns its profile version.

    Raises ValidationError listing every problem. Reads, never writes.
    """
    version = request_lookups().version(declaration.policy_profile, declaration.profile_version)
    # Access withdrawn since the draft was saved (Zhejiang 省属管理权限): not sent.
    access = declaring_access(declaration.person, version.access)
    if not access.allowed:
        raise ValidationError(f"不能提交：{access.reason}")
    refuse_if_yearly_application(version)
    facts = claim_facts(
        declaration,
        hours_already=hours_already_granted(
            person=declaration.person,
            credit_year=declaration.credit_year,
            category_code=declaration.category_code,
        ),
    )
    try:
        result = claim_check(
            version,
            facts,
            years=None,
            by_person=declaration.registered_by_organization_id is None,
            draft=False,
        )
    except ValidationError as error:
        raise ValidationError(
            "不能提交：" + "；".join(message for message in error.messages)
        ) from error
    if result.hours < declaration.hours_claimed:
        # Hours approved since the draft was saved fill the category's yearly cap.
        raise ValidationError(f"不能提交：{result.explanation.split('；')[-1]}，请修改后再提交。")
    return version


# The declaring route of a stored claim, from the organisation that declared it (none: the
# person). A department admin declares as its unit, so a unit's route covers both.
ROUTE_BY_ORGANIZATION_KIND: dict[str, str] = {
    OrganizationKind.UNIT: RoleKind.UNIT_ADMIN,
    OrganizationKind.SUPERVISOR: RoleKind.SUPERVISOR_ADMIN,
    OrganizationKind.TRAINING_BASE: RoleKind.TRAINING_BASE_ADMIN,
}


def declaring_route(declaration: Declaration) -> str:
    organization = declaration.registered_by_organization
    if organization is None:
        return str(RoleKind.PROFESSIONAL)
    return ROUTE_BY_ORGANIZATION_KIND.get(organization.kind, RoleKind.UNIT_ADMIN)


def claim_facts(declaration: Declaration, *, hours_already: Decimal) -> ClaimFacts:
    """The facts of a stored claim, as the rules read them at submission."""
    return ClaimFacts(
        category_code=declaration.category_code,
        level_code=declaration.level_code,
        credit_year=declaration.credit_year,
        fields={
            **declaration.extra,
            "title": declaration.title,
            "description": declaration.description,
            "certificate_number": declaration.certificate_number,
            "start_date": declaration.start_date,
            "end_date": declaration.end_date,
            "quantity": declaration.quantity,
            "hours_claimed": declaration.hours_claimed,
        },
        hours_already_this_year=hours_already,
        attachment_count=declaration.evidence().count(),
        pledge=declaration.pledge,
        declared_by=declaring_route(declaration),
    )


def top_authority_for(version: Any, declaration: Declaration) -> bool:
    """Xinjiang: senior titles are decided by the autonomous region, the first tier.

    The tier goes by the person's recorded title grade (``Person.title_grade``), never by
    words found in free text."""
    if not version.region_tiers:
        return False
    tier = version.tier_for_rank(declaration.person.title_grade)
    return tier is not None and tier.code == version.region_tiers[0].code


@dataclass(frozen=True)
class BatchResult:
    declaration_id: int  # 0 when no claim was made (e.g. an unknown ID number)
    ok: bool
    message: str = ""
    # For batches by person (training base): whom the line was about.
    id_number: str = ""
    name: str = ""


def refusal_text(error: Exception) -> str:
    """Why one claim of a batch was refused, in Chinese (a missing claim included)."""
    if isinstance(error, Declaration.DoesNotExist):
        return "申报不存在。"
    return error_text(error)


def delete_files_on_commit(files: list[FieldFile]) -> None:
    """Stored files go only once the rows are gone for good (not on a rollback)."""
    stored = [(file.storage, file.name) for file in files if file.name]

    def delete() -> None:
        for storage, name in stored:
            storage.delete(name)

    transaction.on_commit(delete)


NOT_DECLARABLE_BY_BASE = "未找到可由本基地申报的专业技术人员，请核对证件号码，或请其先在平台注册。"


def _in_region(person: Person, organization: Organization | None, key: str) -> bool:
    try:
        return profile_key_for(person, organization) == key
    except ValidationError:
        return False


@dataclass(frozen=True)
class Attendee:
    """One line of a training base's list: the person found, or why there is none."""

    id_number: str
    person: Person | None = None
    refusal: str = ""


def training_base_attendees(
    *, role: RoleAssignment, actor: Any, attendees: list[str], data: DeclarationInput
) -> list[Attendee]:
    """继续教育基地统一申报, the drafting half: the course and whom it is for.

    The course is checked first, by the very rules of a claim (``declaration_prepare``, the
    same messages) for the first attendee the base may declare for: a ValidationError by field
    if it is wrong, nothing made. Then each line: an unknown or invalid ID number, a repeated
    one or a person of another region gets its refusal. Making and submitting each claim, by
    the attendee's own region's rules and yearly cap, is the lifecycle's
    (review.services.training_base_declare).
    """
    if role.kind != RoleKind.TRAINING_BASE_ADMIN or role.organization is None:
        raise PermissionDenied("只有继续教育基地管理员可以统一申报。")
    base_key = role.organization.effective_policy_profile()
    found: list[Attendee] = []
    seen: set[str] = set()
    for raw in attendees:
        text = raw.strip()
        if not text:
            continue
        try:
            id_number = clean_id_number(text)
        except ValidationError as error:
            found.append(Attendee(text, refusal=refusal_text(error)))
            continue
        if id_number in seen:
            found.append(Attendee(id_number, refusal="证件号码重复，已忽略。"))
            continue
        seen.add(id_number)
        person = Person.objects.select_related("unit", "user").by_id_number(id_number).first()
        if person is None or not _in_region(person, role.organization, base_key):
            # One answer for "unknown" and "elsewhere": a base must not learn who exists where.
            found.append(Attendee(id_number, refusal=NOT_DECLARABLE_BY_BASE))
            continue
        found.append(Attendee(id_number, person))
    first = next((line.person for line in found if line.person is not None), None)
    if first is not None:
        # The course itself: a person's claim rules, run once before anyone is declared.
        declaration_prepare(person=first, data=data, actor=actor, role=role)
    return found
