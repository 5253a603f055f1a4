"""Demo claims: for each region, claims at every stage over two credit years, and a few
general-subject records, so queues, the ledger and the statistics have something real on the
first start.

Every claim goes through the services a person and the reviewers would use (save, attach,
submit, approve, return, reject, delete after approval; the ledger's general-record import), so
the trail, the audit log and the ledger are what they would be. Reviewers are the organisation
accounts of the level that must act, never the declarant (nor the organisation that declared
for them). Deterministic for a given day; loaded only where the region's demo people have no
claims yet, so running it again changes nothing.

Lives beside ``demo.py`` and moves with it to the portal app (it imports from every layer).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from xueshi.accounts.models import Person, RoleAssignment, RoleKind, User
from xueshi.declarations.models import Declaration, DeclarationStatus
from xueshi.declarations.services import (
    DeclarationInput,
    attachment_add,
    declaration_save,
)
from xueshi.ledger.services import GeneralRecordRow, general_records_import
from xueshi.policy.resolver import allowed_credit_years, resolve_version
from xueshi.review.permissions import may_review_step
from xueshi.review.selectors import current_step
from xueshi.review.services import (
    approved_declaration_delete,
    declaration_approve,
    declaration_reject,
    declaration_return,
    declaration_submit,
)

# Where a claim ends up. A pending, returned or rejected claim stops at chain position `at`.
DRAFT = "draft"
PENDING = "pending"
RETURNED = "returned"
REJECTED = "rejected"
APPROVED = "approved"
DELETED = "deleted"  # approved, then removed by the unit's administrator

CURRENT, PREVIOUS = 0, -1  # credit year: this year, last year

GENERAL_PROVIDER = "演示公需科目学习平台"

# Smallest valid files of the kinds the regions accept, as evidence.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cf0000000301010018dd8db0"
    "0000000049454e44ae426082"
)


@dataclass(frozen=True)
class ClaimPlan:
    """One demo claim. Dates in `fields` are (month, day) of the credit year; this year's are
    never later than today."""

    person: str
    category: str
    level: str
    fields: dict[str, Any]
    outcome: str
    year: int = CURRENT
    at: int = 0
    declared_by: str | None = None  # organisation account declaring for the person
    granted: Decimal | None = None  # hours the last reviewer grants, when lower than claimed
    evidence: str | None = None  # "pdf" or "png"


@dataclass(frozen=True)
class GeneralPlan:
    person: str
    course: str
    hours: str
    completed: tuple[int, int]  # (month, day)
    year: int = CURRENT


@dataclass
class RegionClaims:
    label: str  # RegionSpec.label in demo.py
    claims: list[ClaimPlan] = field(default_factory=list)
    general: list[GeneralPlan] = field(default_factory=list)


def _anyang(description: str, hours: str | None = None, **extra: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {"description": description, **extra}
    if hours is not None:
        fields["hours_claimed"] = Decimal(hours)
    return fields


def _henan(title: str, organizer: str = "", hours: str | None = None, **extra: Any) -> dict:
    fields: dict[str, Any] = {"title": title, **extra}
    if organizer:
        fields["organizer"] = organizer
    if hours is not None:
        fields["hours_claimed"] = Decimal(hours)
    return fields


def _guangxi(title: str, start: tuple[int, int], end: tuple[int, int]) -> dict[str, Any]:
    # Hours follow from the dates (half-days); the pledge is the declarant's own.
    return {"title": title, "start_date": start, "end_date": end, "description": "结业考核合格"}


def _zhejiang(title: str, hours: str, description: str) -> dict[str, Any]:
    return {"title": title, "hours_claimed": Decimal(hours), "description": description}


def _xinjiang(
    title: str, organizer: str, hours: int, start: tuple[int, int], end: tuple[int, int]
) -> dict[str, Any]:
    return {
        "title": title,
        "organizer": organizer,
        "hours_claimed": hours,
        "start_date": start,
        "end_date": end,
    }


PLANS: list[RegionClaims] = [
    RegionClaims(
        "安阳",
        claims=[
            # 李明 (安阳市人民医院): unit → 卫健委 (managing unit) → 协会.
            ClaimPlan(
                "李明", "training", "organizer_certified",
                _anyang("全市急诊急救能力提升培训班", "16"), DRAFT,
            ),
            ClaimPlan(
                "李明", "academic_conference", "national",
                _anyang("中华医学会全国急诊医学学术年会"), PENDING, at=0,
            ),
            ClaimPlan(
                "李明", "supervisor_training", "per_notice",
                _anyang("卫生系统专业科目培训（院感防控）", "12"), PENDING, at=1,
            ),
            ClaimPlan(
                "李明", "training", "organizer_certified",
                _anyang("河南省临床医学继续教育项目", "24"), PENDING, year=PREVIOUS, at=2,
            ),
            ClaimPlan(
                "李明", "publication", "paper_author_1",
                # Anyang's reviewers approve or return, never 不予认定: returned by 管理单位审核.
                _anyang("在《中华急诊医学杂志》发表论文", "20"), RETURNED, at=1,
            ),
            ClaimPlan(
                "李明", "training", "organizer_certified",
                _anyang("安阳市全科医生转岗培训", "40"), APPROVED, year=PREVIOUS,
            ),
            ClaimPlan(
                "李明", "academic_conference", "national_paper_long",
                _anyang("全国急诊医学学术会议（报告论文）"), APPROVED, year=PREVIOUS,
            ),
            ClaimPlan(
                "李明", "award", "municipal",
                _anyang("安阳市科学技术进步奖三等奖", "20"), DELETED, year=PREVIOUS,
            ),
            # 王芳 (安阳市第一中学): unit → 协会, no managing unit.
            ClaimPlan(
                "王芳", "degree_education", "course_passed",
                _anyang("教育硕士课程进修", quantity=2), APPROVED, year=PREVIOUS,
            ),
            ClaimPlan(
                "王芳", "academic_conference", "provincial",
                _anyang("河南省中学语文教学研讨会"), APPROVED,
            ),
            ClaimPlan(
                "王芳", "training", "organizer_certified",
                _anyang("中小学教师信息技术应用能力培训", "30"), RETURNED, at=0,
            ),
            ClaimPlan(
                "王芳", "academic_conference", "provincial_paper_short",
                _anyang("河南省中学教育学会年会（报告论文）"), PENDING, at=0,
            ),
            ClaimPlan(
                "王芳", "courseware", "courseware_uploaded",
                _anyang("《古诗词鉴赏》微课", "8"), PENDING, at=1,
                evidence="pdf",  # 小课件上传: the courseware itself (issue 13 item 12)
            ),
        ],
        general=[
            GeneralPlan("李明", "专业技术人员职业道德与诚信建设", "12", (4, 10)),
            GeneralPlan("王芳", "数字经济与创新驱动发展", "30", (9, 20), year=PREVIOUS),
            GeneralPlan("李明", "卫生健康法律法规专题", "30", (6, 15), year=PREVIOUS),
        ],
    ),
    RegionClaims(
        "河南",
        claims=[
            # Every Henan form 需要上传 its materials (seed 001), so each claim has a file.
            # 郑州大学 → 河南省教育厅 (supervisor) → 河南省人社厅.
            ClaimPlan(
                "赵磊", "training", "provincial_municipal",
                _henan("河南省人工智能应用高级研修班", "河南省工业和信息化厅", "32",
                       start_date=(5, 6), end_date=(5, 9)),
                DRAFT, evidence="png",
            ),
            ClaimPlan(
                "孙丽", "training", "provincial_municipal",
                _henan("高校教师教学能力提升培训", "河南省教育厅", "24",
                       start_date=(3, 14), end_date=(3, 16)),
                PENDING, at=0, evidence="png",
            ),
            ClaimPlan(
                "周强", "academic_conference", "provincial",
                _henan("河南省计算机学会学术年会", "河南省计算机学会", start_date=(6, 20)),
                PENDING, at=1, evidence="png",
            ),
            # The unit declares for her (代为申报): it enters at the supervisor.
            ClaimPlan(
                "孙丽", "training", "national_or_abroad",
                _henan("全国医学教育骨干教师研修班", "国家卫生健康委", "40",
                       start_date=(7, 8), end_date=(7, 12)),
                PENDING, at=1, declared_by="ha_zzu", evidence="png",
            ),
            ClaimPlan(
                "赵磊", "publication", "paper",
                _henan("在《计算机工程》发表论文", hours="20"),
                PENDING, year=PREVIOUS, at=2, evidence="png",
            ),
            ClaimPlan(
                "周强", "patent", "invention",
                _henan("一种分布式数据校验方法（发明专利）", hours="40"),
                RETURNED, at=1, evidence="png",
            ),
            ClaimPlan(
                "赵磊", "award", "provincial",
                _henan("河南省科学技术进步奖二等奖", hours="30"),
                REJECTED, at=2, evidence="png",
            ),
            ClaimPlan(
                "周强", "training", "provincial_municipal",
                _henan("河南省高校教师专业发展培训", "河南省教育厅", "40",
                       start_date=(4, 11), end_date=(4, 15)),
                APPROVED, year=PREVIOUS, granted=Decimal(32), evidence="png",
            ),
            ClaimPlan(
                "周强", "research_project", "national_sub_3",
                _henan("国家自然科学基金项目（子课题）"),
                APPROVED, year=PREVIOUS, evidence="png",
            ),
            ClaimPlan(
                "赵磊", "academic_conference", "national",
                _henan("全国电子信息工程学术会议", "中国电子学会", start_date=(10, 18)),
                APPROVED, year=PREVIOUS, evidence="png",
            ),
            ClaimPlan(
                "孙丽", "research_project", "provincial_sub_3",
                _henan("河南省医学教育研究项目（子课题）"),
                APPROVED, evidence="png",
            ),
            ClaimPlan(
                "孙丽", "training", "provincial_municipal",
                _henan("河南省临床教学师资培训", "河南省卫生健康委", "16",
                       start_date=(9, 2), end_date=(9, 3)),
                DELETED, year=PREVIOUS, evidence="png",
            ),
        ],
        general=[
            GeneralPlan("赵磊", "习近平新时代中国特色社会主义思想专题", "20", (3, 2)),
            GeneralPlan("孙丽", "专业技术人员心理健康与压力管理", "10", (11, 5), year=PREVIOUS),
            GeneralPlan("周强", "数字经济与创新驱动发展", "30", (5, 20), year=PREVIOUS),
        ],
    ),
    RegionClaims(
        "广西",
        claims=[
            # Guangxi: the unit (广西大学 / 南宁市第一中学), then 专业科目学时终审 at its supervisor
            # (广西壮族自治区教育厅 / 南宁市教育局).
            ClaimPlan(
                "覃海燕", "training_course", "by_dates",
                _guangxi("高校教师信息化教学能力培训班", (5, 4), (5, 8)), DRAFT,
            ),
            ClaimPlan(
                "蒙丽", "training_course", "by_dates",
                _guangxi("会计人员继续教育专题培训", (3, 9), (3, 10)), PENDING, at=0,
            ),
            ClaimPlan(
                "梁晓东", "seminar", "by_dates",
                _guangxi("南宁市高中教研骨干研修班", (4, 13), (4, 15)), PENDING, at=0,
            ),
            # The unit passed it: it waits for 专业科目学时终审 at 广西壮族自治区教育厅.
            ClaimPlan(
                "黄伟", "seminar", "by_dates",
                _guangxi("高校实验室安全管理研修班", (5, 19), (5, 21)), PENDING, at=1,
            ),
            # The unit admin's own claim: another administrator of her unit decides it.
            ClaimPlan(
                "陈静", "academic_conference", "by_dates",
                _guangxi("全国高校人力资源管理研讨会", (10, 22), (10, 23)),
                PENDING, year=PREVIOUS, at=0,
            ),
            ClaimPlan(
                "梁晓东", "training_course", "by_dates",
                _guangxi("中学物理实验教学培训", (6, 1), (6, 2)), RETURNED, at=0,
            ),
            ClaimPlan(
                "蒙丽", "online_course", "by_dates",
                _guangxi("政府会计制度网络课程", (8, 3), (8, 3)), REJECTED, year=PREVIOUS, at=0,
            ),
            ClaimPlan(
                "黄伟", "further_study", "by_dates",
                _guangxi("人工智能前沿进修班", (7, 6), (7, 10)), APPROVED, year=PREVIOUS,
            ),
            ClaimPlan(
                "覃海燕", "training_course", "by_dates",
                _guangxi("计算机专业课程思政培训", (11, 2), (11, 4)), APPROVED, year=PREVIOUS,
            ),
            ClaimPlan(
                "覃海燕", "further_study", "by_dates",
                _guangxi("软件工程骨干教师进修班", (6, 8), (6, 12)), APPROVED, year=PREVIOUS,
            ),
            ClaimPlan(
                "陈静", "seminar", "by_dates",
                _guangxi("高校人事制度改革研修班", (4, 20), (4, 22)), APPROVED,
            ),
            ClaimPlan(
                "覃海燕", "academic_lecture", "by_dates",
                _guangxi("数据科学系列学术讲座", (3, 18), (3, 18)), DELETED,
            ),
        ],
        # 公需科目学时无需个人登记: they come from the learning platform.
        general=[
            GeneralPlan("覃海燕", "专业技术人员能力建设", "15", (4, 2)),
            GeneralPlan("蒙丽", "乡村振兴战略与实践", "10", (5, 16)),
            GeneralPlan("黄伟", "网络安全与数据保护", "30", (9, 8), year=PREVIOUS),
            GeneralPlan("覃海燕", "新时代专业技术人员素养", "30", (3, 22), year=PREVIOUS),
        ],
    ),
    RegionClaims(
        "浙江建设",
        claims=[
            # Enterprise → 建设行业学时办 (provincial).
            ClaimPlan(
                "钱伟", "training", "per_rules",
                _zhejiang("建筑施工安全管理培训", "16", "结业考核合格"), DRAFT, evidence="png",
            ),
            ClaimPlan(
                "钱伟", "practice", "per_rules",
                _zhejiang("装配式建筑项目实践", "24", "项目技术负责人"),
                PENDING, at=0, evidence="png",
            ),
            ClaimPlan(
                "吴婷", "distance", "per_rules",
                _zhejiang("建筑节能远程课程", "10", "在线学习完成"),
                PENDING, at=0, evidence="png",
            ),
            ClaimPlan(
                "吴婷", "academic", "per_rules",
                _zhejiang("绿色建筑设计学术交流会", "8", "参会并交流"),
                PENDING, at=1, evidence="png",
            ),
            ClaimPlan(
                "钱伟", "research", "per_rules",
                _zhejiang("超高层施工技术研究", "30", "课题组成员"),
                RETURNED, at=1, evidence="png",
            ),
            ClaimPlan(
                "吴婷", "other", "per_rules",
                _zhejiang("设计院内部分享会", "6", "内部交流"),
                REJECTED, at=0, evidence="png",
            ),
            ClaimPlan(
                "吴婷", "training", "per_rules",
                _zhejiang("建筑设计规范更新培训", "24", "考核合格"),
                APPROVED, year=PREVIOUS, evidence="png",
            ),
            ClaimPlan(
                "钱伟", "distance", "per_rules",
                _zhejiang("建设行业远程教育课程", "20", "在线学习完成"),
                APPROVED, year=PREVIOUS, evidence="png",
            ),
            ClaimPlan(
                "钱伟", "training", "per_rules",
                _zhejiang("二级建造师继续教育", "40", "考核合格"),
                APPROVED, year=PREVIOUS, evidence="png",
            ),
            ClaimPlan(
                "吴婷", "publication", "per_rules",
                _zhejiang("在《建筑学报》发表论文", "20", "第一作者"),
                APPROVED, evidence="png",
            ),
            ClaimPlan(
                "钱伟", "training", "per_rules",
                _zhejiang("BIM 技术应用培训", "12", "考核合格"),
                DELETED, year=PREVIOUS, evidence="png",
            ),
        ],
        general=[
            GeneralPlan("钱伟", "建设行业职业道德与法律法规", "12", (2, 25)),
            GeneralPlan("吴婷", "新发展理念专题", "30", (10, 12), year=PREVIOUS),
            GeneralPlan("钱伟", "安全生产与绿色建造", "30", (4, 18), year=PREVIOUS),
        ],
    ),
    RegionClaims(
        "新疆",
        # Xinjiang certifies hours by one yearly application (学时认定申请书), never activity by
        # activity (seed 004): its demo applications are in demo_applications.py.
        claims=[],
        general=[
            GeneralPlan("阿依古丽", "铸牢中华民族共同体意识专题", "30", (3, 28)),
            GeneralPlan("石磊", "专业技术人员创新能力培养", "12", (8, 30), year=PREVIOUS),
            GeneralPlan("阿依古丽", "专业技术人员创新能力培养", "30", (8, 30), year=PREVIOUS),
        ],
    ),
]  # fmt: skip


@dataclass
class _Day:
    """Dates of a credit year as the demo uses them: this year's never after today."""

    today: datetime.date

    def of(self, year_offset: int, month_day: tuple[int, int]) -> datetime.date:
        day = datetime.date(self.today.year + year_offset, *month_day)
        return min(day, self.today)


def load_demo_claims() -> int:
    """Load the demo claims of every region that has none yet; returns how many were made."""
    day = _Day(timezone.localdate())
    made = 0
    for region in PLANS:
        names = {plan.person for plan in region.claims} | {g.person for g in region.general}
        people = {person.name: person for person in Person.objects.filter(name__in=names)}
        if Declaration.objects.filter(person__in=people.values()).exists():
            continue  # someone has used the demo already: leave their claims alone
        for number, plan in enumerate(region.claims, start=1):
            _claim(plan, people[plan.person], day, number)
            made += 1
        _general_records(region, people, day)
    return made


def _claim(plan: ClaimPlan, person: Person, day: _Day, number: int) -> Declaration:
    declarant = _declaring_role(plan, person)
    actor = declarant.user
    fields = {
        name: day.of(plan.year, value) if isinstance(value, tuple) else value
        for name, value in plan.fields.items()
    }
    fields["credit_year"] = day.today.year + plan.year
    data = DeclarationInput(plan.category, plan.level, fields, pledge=True)
    declaration = _draft(person, data, declarant, day, plan.year)
    if plan.evidence:
        attachment_add(
            declaration=declaration,
            upload=_evidence(plan.evidence, number),
            actor=actor,
            role=declarant,
        )
    if plan.outcome == DRAFT:
        return declaration
    declaration = declaration_submit(declaration_id=declaration.pk, actor=actor, role=declarant)
    target = plan.at if plan.outcome in (PENDING, RETURNED, REJECTED) else None
    while declaration.status == DeclarationStatus.PENDING:
        if declaration.current_position == target:
            break
        reviewer = _reviewer(declaration)
        last = _is_last_step(declaration)
        granted = plan.granted if last else None
        declaration = declaration_approve(
            declaration_id=declaration.pk,
            actor=reviewer.user,
            role=reviewer,
            comment="同意。" if granted is None else f"按结业证书认定 {granted} 学时。",
            hours_granted=granted,
        )
    if declaration.status == DeclarationStatus.PENDING and declaration.current_position != target:
        raise ValueError(f"演示申报“{declaration.title}”没有停在第 {target} 级。")
    if plan.outcome == RETURNED:
        reviewer = _reviewer(declaration)
        declaration = declaration_return(
            declaration_id=declaration.pk,
            actor=reviewer.user,
            role=reviewer,
            reason="佐证材料不清晰，请补充结业证书后重新提交。",
        )
    elif plan.outcome == REJECTED:
        reviewer = _reviewer(declaration)
        declaration = declaration_reject(
            declaration_id=declaration.pk,
            actor=reviewer.user,
            role=reviewer,
            reason="该项目不属于本年度可认定的继续教育范围。",
        )
    elif plan.outcome == DELETED:
        remover = _unit_administrator(person)
        declaration = approved_declaration_delete(
            declaration_id=declaration.pk,
            actor=remover.user,
            role=remover,
            reason="与另一条申报重复，删除后学时从台账扣回。",
        )
    return declaration


def _draft(
    person: Person, data: DeclarationInput, role: RoleAssignment, day: _Day, year_offset: int
) -> Declaration:
    """Save the draft as the form does. Where the region lets declarants choose only this
    year (Xinjiang, Zhejiang), last year's claims are drafted as of a day of last year, by the
    same rules (declaration_prepare), as they would have been then."""
    credit_year = day.today.year + year_offset
    key = person.unit.effective_policy_profile() if person.unit is not None else ""
    version = resolve_version(key, day.today)
    # None: today's rules; else as of the last day of that year.
    then = None
    if credit_year not in allowed_credit_years(version, day.today):
        then = datetime.date(credit_year, 12, 31)
    return declaration_save(person=person, data=data, actor=role.user, role=role, today=then)


def _declaring_role(plan: ClaimPlan, person: Person) -> RoleAssignment:
    if plan.declared_by is not None:
        return RoleAssignment.objects.select_related("organization", "user").get(
            user__username=plan.declared_by
        )
    return RoleAssignment.objects.select_related("user").get(
        user=person.user, kind=RoleKind.PROFESSIONAL
    )


def _reviewer(declaration: Declaration) -> RoleAssignment:
    """Who acts at the current level: its first administrator who did not declare the claim
    (not the person, not the organisation that declared for them)."""
    step = current_step(declaration)
    if step is None:
        raise ValueError(f"演示申报“{declaration.title}”不在审核中。")
    roles = RoleAssignment.objects.select_related("organization", "user").filter(
        organization=step.organization
    )
    for role in roles.order_by("pk"):
        if role.user_id in (declaration.person.user_id, declaration.created_by_id):
            continue
        if role.organization_id == declaration.registered_by_organization_id:
            continue
        if may_review_step(declaration, role, step):
            return role
    raise ValueError(f"“{step.organization.name}”没有可审核演示申报的管理员。")


def _is_last_step(declaration: Declaration) -> bool:
    return not declaration.chain_steps.filter(position__gt=declaration.current_position).exists()


def _unit_administrator(person: Person) -> RoleAssignment:
    """The unit's organisation account (never the person's own administrator role)."""
    return (
        RoleAssignment.objects.select_related("organization", "user")
        .filter(organization=person.unit, kind=RoleKind.UNIT_ADMIN, user__person__isnull=True)
        .order_by("pk")
        .first()
        or RoleAssignment.objects.select_related("organization", "user")
        .filter(organization=person.unit, kind=RoleKind.UNIT_ADMIN)
        .exclude(user=person.user)
        .order_by("pk")
        .get()
    )


def _evidence(kind: str, number: int) -> SimpleUploadedFile:
    if kind == "pdf":
        return SimpleUploadedFile(f"证明材料{number}.pdf", PDF, content_type="application/pdf")
    return SimpleUploadedFile(f"证书照片{number}.png", PNG, content_type="image/png")


def _general_records(region: RegionClaims, people: dict[str, Person], day: _Day) -> None:
    """Course completions as the learning platform sends them (idempotent on record id)."""
    rows = [
        GeneralRecordRow(
            row_number=number,
            id_number=people[plan.person].id_number,
            name=plan.person,
            course=plan.course,
            hours=plan.hours,
            completed_on=day.of(plan.year, plan.completed),
            provider=GENERAL_PROVIDER,
            record_id=f"DEMO-{people[plan.person].id_number}-{number}",
        )
        for number, plan in enumerate(region.general, start=1)
    ]
    if not rows:
        return
    admin = User.objects.filter(username="admin").first()
    report = general_records_import(rows=rows, actor=admin, source_name="演示数据")
    if report.problems:
        raise ValueError(f"演示公需科目记录未能导入：{report.problems}")
