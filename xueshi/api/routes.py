"""The endpoints of /api/v1/. Each calls the services and selectors the pages call: the same
rules, the same scope (another organisation's object is a 404), the same lifecycle."""

from collections.abc import Callable
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet, Value
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.decorators import decorate_view
from ninja.pagination import CursorPagination, paginate

from xueshi.accounts.models import Person, RoleAssignment, RoleKind, id_number_q
from xueshi.accounts.permissions import people_in_scope
from xueshi.applications.selectors import applications_in_scope
from xueshi.certificates.selectors import certificate_by_number, certificates_of, public_facts
from xueshi.declarations.form_selectors import organization_profile_key, version_for_inputs
from xueshi.declarations.forms import DeclarationForm, shows_pledge
from xueshi.declarations.models import Declaration
from xueshi.declarations.rules import profile_key_for
from xueshi.declarations.selectors import declaration_list
from xueshi.declarations.services import DeclarationInput, declaration_save, one_request
from xueshi.ledger.selectors import people_year_hours, person_years, shortfall_text
from xueshi.ledger.services import GeneralRecordRow, general_records_import
from xueshi.orgs.selectors import unit_search
from xueshi.review import services as review
from xueshi.review.selectors import review_queue

from .conventions import full_id_numbers, idempotent, shown_id_number
from .models import ApiScope
from .schemas import (
    BatchLineOut,
    CompletionBatchIn,
    CompletionBatchOut,
    CompletionResult,
    DeclarationIn,
    DeclarationOut,
    ErrorOut,
    OrganizationOut,
    PersonYearOut,
    ReviewIn,
    TrainingBaseIn,
    YearOut,
)
from .security import holds, is_session, role_of

ERRORS: dict[int, Any] = {
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
    429: ErrorOut,
}
router = Router()


def _require(request: HttpRequest, scope: ApiScope) -> None:
    if not holds(request, scope):
        raise PermissionDenied(f"接口密钥或当前角色没有“{scope.label}”（{scope.value}）权限。")


def _own_person(request: HttpRequest) -> Person:
    """The logged-in professional (never a key: keys belong to organisations)."""
    role = role_of(request)
    if not is_session(request) or role.kind != RoleKind.PROFESSIONAL:
        raise PermissionDenied("此接口供专业技术人员本人登录后使用。")
    person = Person.objects.select_related("unit").filter(user_id=role.user_id).first()
    if person is None:
        raise PermissionDenied("当前账号没有对应的专业技术人员信息。")
    return person


def _claim_input(role: RoleAssignment, key: str, payload: DeclarationIn) -> DeclarationInput:
    """The page's form, built from the region's profile, checks the fields (types, limits,
    required ones); its errors come back per field."""
    values = {
        **payload.fields,
        "category": payload.category_code,
        "level": payload.level_code,
        "pledge": "on" if payload.pledge else "",
    }
    version = version_for_inputs(key, values)
    form = DeclarationForm(
        values,
        version=version,
        role_kind=role.kind,
        today=timezone.localdate(),
        show_pledge=shows_pledge(version, role.kind),
        category_code=payload.category_code,
        level_code=payload.level_code,
    )
    if not form.is_valid():
        raise ValidationError({name: list(errors) for name, errors in form.errors.items()})
    return form.declaration_input()


class Paged(CursorPagination):
    """Cursor pages (``next``/``previous`` links); 50 rows by default, 200 at most."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("ordering", ("-id",))
        kwargs.setdefault("page_size", 50)
        kwargs.setdefault("max_page_size", 200)
        super().__init__(**kwargs)


# --- completions (learning platforms) ---------------------------------------------------------


@router.post(
    "/completions",
    response={200: CompletionBatchOut, **ERRORS},
    tags=["公需科目学习记录"],
    summary="推送公需科目学习记录（每次最多 1000 条，按 平台+记录号 幂等）",
)
@decorate_view(idempotent)
def completions_push(request: HttpRequest, payload: CompletionBatchIn) -> Any:
    _require(request, ApiScope.COMPLETIONS_WRITE)
    role = role_of(request)
    rows = [
        GeneralRecordRow(
            row_number=index,
            id_number=record.id_number,
            name=record.name,
            course=record.course,
            hours=record.hours,
            completed_on=record.completed_on,
            provider=payload.provider,
            record_id=record.record_id,
        )
        for index, record in enumerate(payload.records)
    ]
    # The page's scope check, inside the service: people outside the key's scope are refused.
    report = general_records_import(rows=rows, actor=role.user, source_name="api", role=role)
    reasons = dict(report.problems)
    created = set(report.created_rows)
    results = []
    for index, record in enumerate(payload.records):
        if index in reasons:
            results.append(
                CompletionResult(
                    record_id=record.record_id, result="refused", reason=reasons[index]
                )
            )
        elif index in created:
            results.append(CompletionResult(record_id=record.record_id, result="created"))
        else:
            results.append(CompletionResult(record_id=record.record_id, result="unchanged"))
    return {
        "created": report.created,
        "unchanged": report.unchanged,
        "refused": len(reasons),
        "results": results,
    }


# --- declarations -------------------------------------------------------------------------------


@router.get(
    "/declarations",
    response={200: list[DeclarationOut], **ERRORS},
    tags=["学时申报"],
    summary="申报列表（本人：自己的申报；机构密钥：本机构范围内的申报）",
)
@paginate(Paged)
def declarations_list(
    request: HttpRequest, status: str = "", credit_year: int | None = None, category_code: str = ""
) -> QuerySet[Declaration]:
    role = role_of(request)
    if not (role.kind == RoleKind.PROFESSIONAL and is_session(request)):
        _require(request, ApiScope.DECLARATIONS_READ)
    declarations = declaration_list(role, status=status)
    if credit_year:
        declarations = declarations.filter(credit_year=credit_year)
    if category_code:
        declarations = declarations.filter(category_code=category_code)
    return declarations


@router.get(
    "/declarations/{declaration_id}",
    response={200: DeclarationOut, **ERRORS},
    tags=["学时申报"],
    summary="一条申报（范围外的申报为 404）",
)
def declaration_detail(request: HttpRequest, declaration_id: int) -> Any:
    role = role_of(request)
    if not (role.kind == RoleKind.PROFESSIONAL and is_session(request)):
        _require(request, ApiScope.DECLARATIONS_READ)
    return declaration_list(role).get(pk=declaration_id)


@router.post(
    "/declarations",
    response={201: DeclarationOut, **ERRORS},
    tags=["学时申报"],
    summary="本人登记一条申报（保存为草稿，学时按本地区规则计算）",
)
@decorate_view(idempotent)
def declaration_create(request: HttpRequest, payload: DeclarationIn) -> Any:
    person = _own_person(request)
    role = role_of(request)
    key = profile_key_for(person)
    with one_request() as lookups:
        window = lookups.window(person.unit, timezone.localdate())
        if not window.open:
            raise PermissionDenied(window.reason)
        declaration = declaration_save(
            person=person,
            data=_claim_input(role, key, payload),
            actor=request.user,
            role=role,
            request=request,
        )
    return Status(201, declaration_list(role).get(pk=declaration.pk))


@router.post(
    "/declarations/{declaration_id}/submit",
    response={200: DeclarationOut, **ERRORS},
    tags=["学时申报"],
    summary="本人提交申报（送第一级审核）",
)
@decorate_view(idempotent)
def declaration_submit(request: HttpRequest, declaration_id: int) -> Any:
    _own_person(request)
    role = role_of(request)
    declaration_list(role).get(pk=declaration_id)  # 404 outside the person's own claims
    review.declaration_submit(
        declaration_id=declaration_id, actor=request.user, role=role, request=request
    )
    return declaration_list(role).get(pk=declaration_id)


@router.post(
    "/declarations/{declaration_id}/withdraw",
    response={200: DeclarationOut, **ERRORS},
    tags=["学时申报"],
    summary="本人撤回申报（仅在审核人处理之前）",
)
@decorate_view(idempotent)
def declaration_withdraw(request: HttpRequest, declaration_id: int) -> Any:
    _own_person(request)
    role = role_of(request)
    declaration_list(role).get(pk=declaration_id)
    review.declaration_withdraw(
        declaration_id=declaration_id, actor=request.user, role=role, request=request
    )
    return declaration_list(role).get(pk=declaration_id)


@router.post(
    "/training-base/declarations",
    response={200: list[BatchLineOut], **ERRORS},
    tags=["学时申报"],
    summary="继续教育基地为参训人员统一申报一门课程（逐人结果）",
)
@decorate_view(idempotent)
def training_base_declare(request: HttpRequest, payload: TrainingBaseIn) -> Any:
    _require(request, ApiScope.DECLARATIONS_WRITE)
    role = role_of(request)
    if role.kind != RoleKind.TRAINING_BASE_ADMIN:
        raise PermissionDenied("只有继续教育基地可以统一申报。")
    key = organization_profile_key(role)
    if not key:
        raise PermissionDenied("未找到本基地适用的学时认定细则，请联系平台管理员。")
    results = review.training_base_declare(
        role=role,
        actor=role.user,
        attendees=payload.attendees,
        data=_claim_input(role, key, payload),
        request=request,
    )
    full = full_id_numbers(request)
    return [
        {
            "declaration_id": line.declaration_id,
            "ok": line.ok,
            "message": line.message,
            "id_number": shown_id_number(line.id_number, full) if line.id_number else "",
        }
        for line in results
    ]


# --- review -------------------------------------------------------------------------------------


@router.get(
    "/reviews/queue",
    response={200: list[DeclarationOut], **ERRORS},
    tags=["审核"],
    summary="待本机构审核的申报",
)
@paginate(Paged)
def review_queue_list(request: HttpRequest, credit_year: int | None = None) -> Any:
    _require(request, ApiScope.REVIEWS_READ)
    queue = review_queue(role_of(request))
    if credit_year:
        queue = queue.filter(credit_year=credit_year)
    return queue


MOVES: dict[str, Callable[..., Declaration]] = {
    "approve": review.declaration_approve,
    "return": review.declaration_return,
    "reject": review.declaration_reject,
}


@router.post(
    "/reviews/{declaration_id}/{outcome}",
    response={200: DeclarationOut, **ERRORS},
    tags=["审核"],
    summary="审核一条申报：approve（通过）、return（退回）、reject（不予认定）",
)
@decorate_view(idempotent)
def review_decide(
    request: HttpRequest,
    declaration_id: int,
    outcome: Literal["approve", "return", "reject"],
    payload: ReviewIn,
) -> Any:
    _require(request, ApiScope.REVIEWS_WRITE)
    move = MOVES.get(outcome)
    if move is None:
        raise Http404
    role = role_of(request)
    declarations = declaration_list(role)
    declarations.get(pk=declaration_id)  # another organisation's claim: 404
    arguments: dict[str, Any] = {
        "declaration_id": declaration_id,
        "actor": role.user,
        "role": role,
        "expected_position": payload.expected_position,
        "request": request,
    }
    if outcome == "approve":
        arguments["comment"] = payload.comment
        if payload.hours_granted is not None:
            arguments["hours_granted"] = payload.hours_granted
    else:
        arguments["reason"] = payload.comment  # 退回 and 不予认定 say why
    move(**arguments)
    return declarations.get(pk=declaration_id)


# --- ledger -------------------------------------------------------------------------------------


def _year_out(compliance: Any) -> dict[str, Any]:
    return {
        "credit_year": compliance.credit_year,
        "general_hours": compliance.general_hours,
        "professional_hours": compliance.professional_hours,
        "total_hours": compliance.total_hours,
        "required_total": compliance.required_total,
        "met": compliance.met,
        "shortfall": shortfall_text(compliance),
    }


@router.get(
    "/me/ledger",
    response={200: list[YearOut], **ERRORS},
    tags=["学时档案"],
    summary="本人各年度学时（公需、专业、合计，是否达标）",
)
def my_ledger(request: HttpRequest) -> Any:
    return [_year_out(year) for year in person_years(_own_person(request))]


class LedgerFilters(Schema):
    credit_year: int = Field(ge=2000, le=2100, description="计入年度")
    id_number: str = Field(default="", max_length=18, description="按身份证号查一人")
    met: bool | None = Field(default=None, description="true 只看达标，false 只看未达标")


@router.get(
    "/ledger",
    response={200: list[PersonYearOut], **ERRORS},
    tags=["学时档案"],
    summary="本机构范围内人员某年度的学时与达标情况",
)
@paginate(Paged)
def ledger_people(request: HttpRequest, filters: Query[LedgerFilters]) -> Any:
    _require(request, ApiScope.LEDGER_READ)
    people = people_in_scope(role_of(request))
    if filters.id_number:
        people = people.filter(id_number_q(filters.id_number))
    compliance = "" if filters.met is None else ("met" if filters.met else "unmet")
    rows = people_year_hours(people, filters.credit_year, compliance=compliance)
    return rows.annotate(credit_year=Value(filters.credit_year))


# --- organisations ------------------------------------------------------------------------------


@router.get(
    "/organizations",
    response={200: list[OrganizationOut], **ERRORS},
    tags=["单位"],
    summary="按名称关键字、统一社会信用代码或单位编号查找单位（最多 10 个）",
)
def organizations_search(
    request: HttpRequest, q: str = Query(..., min_length=1, max_length=100)
) -> Any:
    _require(request, ApiScope.ORGANIZATIONS_READ)
    return unit_search(q)


# --- certificates and yearly applications -------------------------------------------------------


@router.get(
    "/certificates/{number}",
    auth=None,
    response={200: dict[str, Any], 404: dict[str, Any], 429: ErrorOut},
    tags=["证书"],
    summary="按编号查验证书（无需登录）：有效 / 已作废（日期、原因）/ 未查询到",
)
def certificate_verify(request: HttpRequest, number: str) -> Any:
    certificate = certificate_by_number(number)
    facts = public_facts(certificate, number)
    return facts if certificate is not None else Status(404, facts)


@router.get(
    "/me/certificates",
    response={200: list[dict[str, Any]], **ERRORS},
    tags=["证书"],
    summary="本人的证书与学时证明（编号、状态、年度、学时）",
)
def my_certificates(request: HttpRequest) -> Any:
    person = _own_person(request)
    return [
        public_facts(certificate, certificate.number) for certificate in certificates_of(person)
    ]


class ApplicationOut(Schema):
    id: int
    number: str
    filing_year: int
    credit_year: int
    declaring_region_name: str
    specialty: str
    status: str = Field(description="稳定的英文状态代码：draft、pending、returned、approved")


@router.get(
    "/me/applications",
    response={200: list[ApplicationOut], **ERRORS},
    tags=["学时认定申请书"],
    summary="本人的学时认定申请书（新疆等按年度申请认定的地区）",
)
@paginate(Paged)
def my_applications(request: HttpRequest, credit_year: int | None = None) -> Any:
    _own_person(request)
    applications = applications_in_scope(role_of(request))
    if credit_year:
        applications = applications.filter(credit_year=credit_year)
    return applications
