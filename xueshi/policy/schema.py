"""The shape of a policy profile (学时认定细则 / 折算标准): a region's rules as data.

A profile file (``profiles/<key>.yaml``) holds a list of *versions*; each version is in force
from its ``effective_from`` date until the next one starts. Everything a later slice needs to
know about a region — categories, hour rules, fields, materials, attachments, the yearly
requirement, the review chain, who may declare, windows, region tiers and title tracks — is a
field of :class:`ProfileVersion`.

Pydantic checks each value where it stands (types, unknown keys, negative numbers, unknown rule
kinds); :func:`semantic_issues` then checks references across the document (a chain naming a
level that is not defined, a category without levels, duplicate codes…) and returns each
problem with its key path, so the loader can report every error at once.
"""

from __future__ import annotations

import calendar
import functools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

# --- small value types -------------------------------------------------------------------

Code = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)]
Label = Annotated[str, Field(min_length=1, max_length=200)]
NonNegativeHours = Annotated[Decimal, Field(ge=0, max_digits=8, decimal_places=2)]
PositiveHours = Annotated[Decimal, Field(gt=0, max_digits=8, decimal_places=2)]
PositiveInt = Annotated[int, Field(gt=0)]

RULE_KINDS = ("per_unit", "fixed", "date_range", "manual", "pro_rata")
ORGANIZATION_LEVELS = ("unit", "supervisor", "authority")
# Values match accounts.RoleKind, so "may this role declare?" is a membership test.
DeclarantKind = Literal[
    "professional", "unit_admin", "department_admin", "supervisor_admin", "training_base_admin"
]
DECLARANT_LABELS = {
    "professional": "专业技术人员本人",
    "unit_admin": "单位管理员代为申报",
    "department_admin": "二级管理员代为申报",
    "supervisor_admin": "主管部门代为申报",
    "training_base_admin": "继续教育基地为参训人员统一申报",
}
AttachmentKind = Literal[
    "jpg", "png", "gif", "bmp", "pdf", "zip", "rar", "doc", "docx", "xlsx", "ppt", "pptx"
]
IMAGE_KINDS = frozenset({"jpg", "png", "gif", "bmp"})
TitleRank = Literal["正高", "副高", "中级", "初级"]
FieldType = Literal[
    "text",
    "textarea",
    "rich_text",
    "date",
    "integer",
    "decimal",
    "year",
    "choice",
    "boolean",
    "planned_training",  # a training of a filed yearly plan (Henan forms 13, 14)
]
# Field types whose value is text (length limits, 请填写).
TEXT_FIELD_TYPES = ("text", "textarea", "rich_text", "choice")


def _validate_month_day(value: object) -> str:
    """'MM-DD', checked against a leap year so that 02-29 is allowed."""
    value = str(value)
    try:
        month, day = (int(part) for part in value.split("-"))
        date(2000, month, day)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"应为 MM-DD 格式的月日，例如 01-20（得到 {value!r}）") from exc
    if len(value) != 5:
        raise ValueError(f"应为 MM-DD 格式的月日，例如 01-20（得到 {value!r}）")
    return value


MonthDay = Annotated[str, BeforeValidator(_validate_month_day)]


def _month_day_in(value: str, year: int) -> date:
    month, day = (int(part) for part in value.split("-"))
    if (month, day) == (2, 29) and not calendar.isleap(year):
        day = 28
    return date(year, month, day)


class StrictModel(BaseModel):
    """Unknown keys are errors (a typo must not silently drop a rule); values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# --- hour rules ---------------------------------------------------------------------------


class RuleBase(StrictModel):
    # The most one item of this kind may count for; more is cut to this and explained.
    max_hours_per_item: PositiveHours | None = None
    note: str = ""


class PerUnitRule(RuleBase):
    """Hours per unit × quantity (学时系数), e.g. 15 学时 per course passed."""

    kind: Literal["per_unit"]
    per_unit_hours: PositiveHours
    unit: Label = Field(description="量词，如 门、次、篇")
    max_quantity: PositiveInt | None = None


class FixedRule(RuleBase):
    """A fixed number of hours per item (often per level, e.g. by author rank)."""

    kind: Literal["fixed"]
    hours: NonNegativeHours


class DateRangeRule(RuleBase):
    """So many hours per half-day between start and end date, both inclusive."""

    kind: Literal["date_range"]
    hours_per_half_day: PositiveHours = Decimal(4)
    # True: the computed figure is only a suggestion and the declarant may type another.
    manual_override: bool = False


class ManualRule(RuleBase):
    """The declarant types the hours; caps per item and per year."""

    kind: Literal["manual"]
    max_hours_per_year: PositiveHours | None = None


class ProRataRule(RuleBase):
    """The year's requirement × a share of the year (months or days out of the year).

    ``counts`` says which share converts to hours: ``on_duty`` (在岗, Anyang) or ``leave``
    (Henan: "休半年产假可折算33个学时": the leave, as the materials prove it, is what converts).
    """

    kind: Literal["pro_rata"]
    required_hours: PositiveHours
    basis: Literal["months", "days"] = "months"
    counts: Literal["on_duty", "leave"] = "on_duty"

    @property
    def input_name(self) -> str:
        """The declaration input the share is read from (months_on_leave, days_on_duty…)."""
        return f"{self.basis}_on_{'leave' if self.counts == 'leave' else 'duty'}"


HourRule = Annotated[
    PerUnitRule | FixedRule | DateRangeRule | ManualRule | ProRataRule,
    Field(discriminator="kind"),
]

# Which declaration inputs each rule kind reads; the category must show them as fields.
RULE_INPUTS: dict[str, tuple[str, ...]] = {
    "per_unit": ("quantity",),
    "fixed": (),
    "date_range": ("start_date", "end_date"),
    "manual": ("hours_claimed",),
    "pro_rata": (),  # {months,days}_on_{duty,leave}, depending on basis and counts
}


def rule_inputs(
    rule: PerUnitRule | FixedRule | DateRangeRule | ManualRule | ProRataRule,
) -> tuple[str, ...]:
    if isinstance(rule, ProRataRule):
        return (rule.input_name,)
    return RULE_INPUTS[rule.kind]


# --- fields, materials, attachments ------------------------------------------------------------


class FieldSpec(StrictModel):
    """One input a declaration form may show; the catalogue entry of a version."""

    label: Label
    type: FieldType = "text"
    max_length: PositiveInt | None = None  # characters
    max_digits: PositiveInt | None = None  # digits before the decimal point
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    choices: list[Label] = Field(default_factory=list)
    help_text: str = ""
    # rich_text only: pictures the declarant may put inside the text (Anyang's 详细及附件:
    # "点击详细及附件工具条中的图片…选择本地上传"), checked by content like any evidence.
    image_kinds: list[AttachmentKind] = Field(default_factory=list)


def _field_use_from_string(value: object) -> object:
    return {"name": value} if isinstance(value, str) else value


class FieldUse(StrictModel):
    """A category shows this catalogue field; a bare name in YAML means required."""

    name: Code
    required: bool = True
    label: Label | None = None  # this category's own wording, e.g. 项目标题 for title


FieldUseEntry = Annotated[FieldUse, BeforeValidator(_field_use_from_string)]


class AttachmentCaption(StrictModel):
    """A caption typed for each evidence file (Zhejiang 附件说明, at most 33 characters)."""

    label: str = Field(default="附件说明", min_length=1, max_length=20)
    # Stored in Attachment.caption (200 characters).
    max_length: PositiveInt = Field(le=200)
    required: bool = False
    help_text: str = ""


class AttachmentRules(StrictModel):
    """What evidence may be uploaded. Types are checked by content when files arrive."""

    kinds: list[AttachmentKind] = Field(min_length=1)
    # What the files are called (the upload box's heading, "请上传…"): 佐证材料, or the
    # 小课件 of Anyang's type 16 ("做成小课件上传").
    label: Label = "佐证材料"
    max_size_mb: PositiveHours | None = None  # None: the platform's own upload limit
    max_count: PositiveInt | None = None
    required: bool = False
    # None: no caption per file (every region but Zhejiang).
    caption: AttachmentCaption | None = None
    note: str = ""

    @property
    def images_only(self) -> bool:
        return set(self.kinds) <= IMAGE_KINDS

    @property
    def zip_allowed(self) -> bool:
        return "zip" in self.kinds

    @property
    def count_noun(self) -> str:
        return "张图片" if self.images_only else "个附件"


# --- categories --------------------------------------------------------------------------


class CreditUnit(StrictModel):
    """学分 beside 学时 (Henan "学时/学分申报"): a claim of typed hours may be declared in this
    unit instead, converted at ``hours_per_credit`` into the hours the ledger counts."""

    label: Label = "学分"
    hours_per_credit: PositiveHours
    # Categories that may be declared in credits; None: every category whose hours are typed.
    categories: list[Code] | None = None
    note: str = ""


class TrainingPlanRule(StrictModel):
    """A claim of this category refers to a training of a yearly plan filed with 人社 (Henan
    13: "培训项目列入年度计划，并报人社部门备案"; 14: "纳入主管部门年度培训计划"): who organised
    it — a supervising department above the person's unit, or the person's own unit."""

    organizer: Literal["supervisor", "unit"]
    note: str = ""


class Level(StrictModel):
    """申报等级: a grade within a category that fixes the hours rule."""

    code: Code
    name: Label
    rule: HourRule | None = None  # None: the category's rule applies
    note: str = ""


class Category(StrictModel):
    """申报类型 / 认定类型 / 学习形式; a category may hold subcategories (二级类型)."""

    code: Code
    name: Annotated[str, Field(min_length=1, max_length=300)]
    rule: HourRule | None = None  # default for levels (and subcategories) without their own
    levels: list[Level] = Field(default_factory=list)
    subcategories: list[Category] = Field(default_factory=list)
    fields: list[FieldUseEntry] | None = None  # None: the parent's, else the version default
    materials: str = ""  # 需提交相关材料说明, shown beside the upload
    attachments: AttachmentRules | None = None  # None: the version's
    declarants: list[DeclarantKind] | None = None  # None: the version's
    yearly_cap_hours: PositiveHours | None = None
    # Declaring routes that need no evidence even where `attachments.required` (issue 13.3).
    materials_optional_for: list[DeclarantKind] | None = None  # None: the parent's, else none
    # Review levels this category passes after the region's chain, e.g. the filing step (备案)
    # of Henan's 其他 (issue 13 item 9). None: the parent's, else none.
    chain_after: list[Code] | None = None
    training_plan: TrainingPlanRule | None = None
    note: str = ""


@dataclass(frozen=True)
class LeafCategory:
    """A category a declaration can choose, with what it inherits resolved."""

    category: Category
    parent: Category | None
    path: str  # key path in the file, e.g. "categories[2].subcategories[0]"

    @property
    def code(self) -> str:
        return self.category.code

    @property
    def full_name(self) -> str:
        if self.parent is None:
            return self.category.name
        return f"{self.parent.name}-{self.category.name}"


# --- requirement, review, access, windows, tiers ------------------------------------------------


class YearlyRequirement(StrictModel):
    total_hours: PositiveHours
    general_hours: NonNegativeHours | None = None
    professional_hours: NonNegativeHours | None = None
    min_professional_share: str = "2/3"
    # Xinjiang: an application may be submitted once it reaches this many hours.
    application_threshold_hours: PositiveHours | None = None
    note: str = ""

    @field_validator("min_professional_share")
    @classmethod
    def _share_is_fraction(cls, value: str) -> str:
        try:
            share = Fraction(value)
        except (ValueError, ZeroDivisionError) as exc:
            raise ValueError(f"应为分数，例如 2/3（得到 {value!r}）") from exc
        if not 0 <= share <= 1:
            raise ValueError("应在 0 与 1 之间")
        return value

    @property
    def professional_share(self) -> Fraction:
        return Fraction(self.min_professional_share)


# --- status words and reviewer outcomes per region ------------------------------------------
#
# A claim's state is a stable English code in the database; what a region's pages call it is
# data. Words can depend on the chain position: Zhejiang's 企业审核通过 is "pending at the
# provincial level after the enterprise approved", its 企业审核不通过 / 省级审核不通过 say which
# level turned the claim down. Anything left out keeps the platform's own word.

Outcome = Literal["approve", "return", "reject"]
OUTCOMES: tuple[Outcome, ...] = ("approve", "return", "reject")
OUTCOME_LABELS = {"approve": "审核通过", "return": "退回", "reject": "不予认定"}
STATE_CODES = ("draft", "pending", "returned", "approved", "rejected", "deleted")


class LevelWords(StrictModel):
    """Words for a claim at (pending) or turned down by (returned, rejected) one review level."""

    pending: Label | None = None  # waiting at this level, e.g. 企业审核通过 at the provincial one
    returned: Label | None = None  # this level returned it, e.g. 企业审核不通过
    rejected: Label | None = None  # this level made the final refusal


class StatusWords(StrictModel):
    """This region's word per claim state; `levels` refines it by review level code."""

    draft: Label | None = None
    pending: Label | None = None
    returned: Label | None = None
    approved: Label | None = None
    rejected: Label | None = None
    deleted: Label | None = None
    levels: dict[Code, LevelWords] = Field(default_factory=dict)
    note: str = ""


class ReviewLevel(StrictModel):
    code: Code
    name: Label  # what this region's interface calls it, e.g. 协会审核
    organization_kind: Literal["unit", "supervisor", "authority"]
    # Skipped when the declarant's unit has no organisation of this kind above it.
    skippable: bool = False
    # Filled by the highest organisation of its kind above the unit, not the nearest (Henan's
    # 其他: "报省人力资源和社会保障厅备案" after the city's 人社部门 confirmed the hours).
    topmost: bool = False
    # What a reviewer at this level may decide; Anyang's levels only approve or return.
    outcomes: list[Outcome] = Field(default_factory=lambda: list(OUTCOMES), min_length=1)
    note: str = ""


class ReviewRules(StrictModel):
    levels: list[ReviewLevel] = Field(min_length=1)
    chain: list[Code] = Field(min_length=1)
    # Guangxi: 提交至主管部门审核 — the declarant may skip the unit and go to a supervisor.
    direct_to_supervisor: bool = False
    # The chain such a claim follows; None: the ordinary chain from its supervisor level on.
    direct_chain: list[Code] | None = None
    note: str = ""


class PlatformAccess(StrictModel):
    """Who may declare at all (issue 13 item 4).

    ``open``: every person of a unit of the region. ``enabled_by_unit`` (Zhejiang 省属企业): only
    a person whose enterprise the supervising department has granted access (``grant_label``,
    e.g. 省属管理权限) and whom the enterprise admin has enabled (上报学员信息). The messages are
    what a person who may not declare reads, in the region's words; ``prompt`` greets one who
    may ("请进入学时登记").
    """

    mode: Literal["open", "enabled_by_unit"] = "open"
    grant_label: str = Field(default="", max_length=20)
    unit_not_granted: str = Field(default="", max_length=300)
    person_not_enabled: str = Field(default="", max_length=300)
    prompt: str = Field(default="", max_length=100)
    note: str = ""

    @property
    def managed(self) -> bool:
        return self.mode == "enabled_by_unit"


class RegistrationRules(StrictModel):
    """Whether a person may register (注册) on the public site (issue 17 item 3).

    ``person``: the public home offers 注册; the account waits until the unit admin approves
    it, and where ``supervisor_approval`` then the supervising department (Zhejiang's 主管部门)."""

    person: bool = False
    supervisor_approval: bool = False
    note: str = ""


class DeclaringWindow(StrictModel):
    credit_years: list[Literal["current", "previous"]] = Field(min_length=1)
    opens: MonthDay = "01-01"
    closes: MonthDay = "12-31"
    note: str = ""


class SupplementWords(StrictModel):
    """What the region's pages call the supplement request and its moves (seed 003's words are
    the defaults: the only seed that describes 增补)."""

    request: Label = "增补申请"  # the red button on a category of the closed year
    send: Label = "提交申请"  # sends the request to the enterprise
    cancel: Label = "撤销增补"  # until the enterprise acts
    agree: Label = "同意增补"
    refuse: Label = "拒绝增补"
    draft: Label = "已申请"  # requested, not yet sent
    pending: Label = "个人申请中"  # sent, waiting for the enterprise
    approved: Label = "同意"
    rejected: Label = "不同意"
    handled: Label = "已处理"  # the enterprise decided every request of the category
    unhandled: Label = "未处理"


class SupplementWindow(StrictModel):
    """增补: a late claim for a closed year, in a yearly window, after the unit agrees.

    ``opens``/``closes`` bound the days of each year on which a request may be made (Zhejiang
    01-01 to 01-20), for the year before (``credit_year: previous``). With
    ``needs_unit_consent`` the person's unit (the review level of ``organization_kind: unit``)
    agrees or refuses each request (同意增补 / 拒绝增补) before claims may be added; without it,
    adding is allowed in the window itself. The claims then follow ``chain``.
    """

    opens: MonthDay
    closes: MonthDay
    credit_year: Literal["previous"] = "previous"
    needs_unit_consent: bool = True
    chain: list[Code] | None = None  # None: the ordinary review chain
    words: SupplementWords = SupplementWords()
    note: str = ""

    def dates_in(self, year: int) -> tuple[date, date]:
        """The window's first and last day in `year` (29 February falls back to the 28th)."""
        return _month_day_in(self.opens, year), _month_day_in(self.closes, year)


class Windows(StrictModel):
    declaring: DeclaringWindow
    supplement: SupplementWindow | None = None
    # Guangxi 学时登记开放: a unit may open and close declaring for its own people.
    unit_may_open_window: bool = False


class Pledge(StrictModel):
    required: bool = True
    text: Label = "本人承诺以上信息属实"


class CertificateRules(StrictModel):
    """继续教育合格证书: issued when a credit year meets the requirement (issue 15).

    The number is `number_prefix` + credit year + a six-digit sequence (GX2025000001); a
    学时证明 (several years for a title committee) is `number_prefix` + ZM + issue year + sequence.
    """

    number_prefix: Annotated[str, Field(pattern=r"^[A-Z]{2,6}$")]
    title: Label = "继续教育合格证书"
    # 一寸照 printed on the certificate (Xinjiang's certificate carries one).
    photo: bool = False
    # The issuing authority's own name on the certificate and seal; None: the authority's name
    # in the organisation tree.
    issuer_name: Label | None = None
    note: str = ""


class RegionTier(StrictModel):
    """申报区域: which authority level handles claims for which title ranks (Xinjiang)."""

    code: Code
    name: Label
    ranks: list[TitleRank] = Field(min_length=1)
    note: str = ""


class TitleGrade(StrictModel):
    name: Label
    rank: TitleRank


class TitleDiscipline(StrictModel):
    name: Label
    grades: list[TitleGrade] = Field(min_length=1)


class TitleSeries(StrictModel):
    series: Label
    disciplines: list[TitleDiscipline] = Field(min_length=1)


# --- the yearly application (学时认定申请书, Xinjiang; issue 14) ------------------------------


class DeclaringRegion(StrictModel):
    """申报区域 a person may choose: the autonomous region, or one prefecture; its tier says which
    title ranks it certifies ("自治区认定高级及正高，地州市级认定初、中级")."""

    code: Code
    name: Label
    tier: Code  # a `region_tiers` code


class Certifier(StrictModel):
    """认定单位: an organisation (found by its exact name among the region's organisations) that
    certifies applications of these declaring regions and title series."""

    name: Label
    regions: list[Code] = Field(min_length=1)  # `declaring_regions` codes
    series: list[Label] = Field(default_factory=list)  # `title_tracks` series; empty: every
    note: str = ""


class PolicyDocument(StrictModel):
    """Item 2 of the application, 请学习相关文件: a policy text the person reads."""

    title: Label
    text: str = ""


ForwardTarget = Literal["supervisor", "certifier"]


def _default_forwarding() -> dict[Literal["unit", "supervisor"], list[ForwardTarget]]:
    return {"unit": ["supervisor", "certifier"]}


def _default_application_outcomes() -> list[Outcome]:
    return ["approve", "return"]


class YearlyApplicationRules(StrictModel):
    """One application a year gathers every activity; submitted once its total reaches
    `requirement.application_threshold_hours`, reviewed by the person's unit, forwarded (选择提交
    单位) as `forwarding` allows, and certified by the 认定单位 the person chose."""

    enabled: bool = False
    number_prefix: Annotated[str, Field(pattern=r"^[A-Z]{1,4}$")] = "SQ"
    sections: list[Code] = Field(default_factory=list)  # activity categories, items 3–11
    documents: list[PolicyDocument] = Field(default_factory=list)
    declaring_regions: list[DeclaringRegion] = Field(default_factory=list)
    certifiers: list[Certifier] = Field(default_factory=list)
    # Shown in step 3 when no 认定单位 is offered, per region tier code.
    contacts: dict[Code, Label] = Field(default_factory=dict)
    # Which kind of organisation may forward (同意 → 选择提交单位) to which: a supervisor above
    # it, or the certifier the person chose. The certifier's own verdict is final.
    forwarding: dict[Literal["unit", "supervisor"], list[ForwardTarget]] = Field(
        default_factory=_default_forwarding
    )
    outcomes: list[Outcome] = Field(default_factory=_default_application_outcomes)
    note: str = ""

    def region(self, code: str) -> DeclaringRegion | None:
        return next((region for region in self.declaring_regions if region.code == code), None)

    def certifiers_for(self, region_code: str, series: str) -> list[Certifier]:
        return [
            certifier
            for certifier in self.certifiers
            if region_code in certifier.regions
            and (not certifier.series or series in certifier.series)
        ]


# --- oversight: stale reviews and year-end reminders (issue 18 items 3 and 4) ---------------


class OversightRules(StrictModel):
    """How long a review level may hold an item, and when people short of their yearly hours
    are reminded.

    An item is past the limit (已超期) once it has waited `stale_after_days` whole days at its
    current step: now − arrived ≥ that many days; its level's reviewers are reminded once. At
    `escalate_after_days` the level above sees it (下级超期待审). From `year_end_reminder_from`
    (MM-DD) to 31 December people below the year's requirement are reminded once; None: no
    year-end reminder in this region.
    """

    stale_after_days: PositiveInt = Field(le=365)
    escalate_after_days: PositiveInt = Field(le=730)
    year_end_reminder_from: MonthDay | None = None
    note: str = ""

    @model_validator(mode="after")
    def _escalation_after_reminder(self) -> OversightRules:
        if self.escalate_after_days <= self.stale_after_days:
            raise ValueError("escalate_after_days 应大于 stale_after_days（先提醒本级，再报上级）")
        return self

    def reminder_from(self, year: int) -> date | None:
        """The first day of `year` on which year-end reminders go out (None: never)."""
        if self.year_end_reminder_from is None:
            return None
        return _month_day_in(self.year_end_reminder_from, year)


# --- a version and a profile -----------------------------------------------------------------


class ProfileVersion(StrictModel):
    effective_from: date
    note: str = ""
    # What this region's forms call a category: 申报类型 (Anyang), 学习形式 (Henan), 认定类型…
    category_label: Label = "申报类型"
    # Where categories have subcategories the form asks in two linked selects (Guangxi
    # "请选择类型 → 请选择二级类型"): the first select's and the second's empty choice.
    # "" → "请选择<category_label>" / "请选择二级类型".
    category_prompt: str = Field(default="", max_length=20)
    subcategory_prompt: str = Field(default="", max_length=20)
    fields: dict[Code, FieldSpec]
    default_fields: list[FieldUseEntry] = Field(default_factory=list)
    categories: list[Category] = Field(min_length=1)
    attachments: AttachmentRules
    pledge: Pledge | None = None
    requirement: YearlyRequirement
    review: ReviewRules
    declarants: list[DeclarantKind] = Field(min_length=1)
    access: PlatformAccess = PlatformAccess()
    registration: RegistrationRules = RegistrationRules()
    windows: Windows
    region_tiers: list[RegionTier] = Field(default_factory=list)
    title_tracks: list[TitleSeries] = Field(default_factory=list)
    status_words: StatusWords = StatusWords()
    credits: CreditUnit | None = None
    # None: this region issues no certificates.
    certificate: CertificateRules | None = None
    yearly_application: YearlyApplicationRules = YearlyApplicationRules()
    # Stale reviews and year-end reminders; None: this region has neither.
    oversight: OversightRules | None = None

    @functools.cached_property
    def _fields_for_cache(self) -> dict[str, tuple[tuple[str, FieldSpec, bool], ...]]:
        """fields_for per category code, filled as asked: the validator and the calculator ask
        several times per declaration, an import on every row."""
        return {}

    @functools.cached_property
    def leaf_index(self) -> dict[str, LeafCategory]:
        """Category code → leaf. A plain cached attribute: a pydantic private attribute costs a
        `__getattr__` call on every read, and an import reads it a dozen times per row."""
        return {leaf.code: leaf for leaf in self._walk_leaves()}

    def _walk_leaves(self) -> Iterator[LeafCategory]:
        for i, category in enumerate(self.categories):
            if category.subcategories:
                for j, sub in enumerate(category.subcategories):
                    yield LeafCategory(sub, category, f"categories[{i}].subcategories[{j}]")
            else:
                yield LeafCategory(category, None, f"categories[{i}]")

    # Lookups used by the calculator, the forms and the views.

    def leaf_categories(self) -> list[LeafCategory]:
        return list(self.leaf_index.values())

    def leaf(self, category_code: str) -> LeafCategory:
        try:
            return self.leaf_index[category_code]
        except KeyError:
            raise KeyError(f"未知的申报类型 {category_code!r}") from None

    def level(self, category_code: str, level_code: str) -> Level:
        for level in self.leaf(category_code).category.levels:
            if level.code == level_code:
                return level
        raise KeyError(f"申报类型 {category_code!r} 没有申报等级 {level_code!r}")

    def rule_for(
        self, category_code: str, level_code: str
    ) -> PerUnitRule | FixedRule | DateRangeRule | ManualRule | ProRataRule:
        leaf = self.leaf(category_code)
        rule = self.level(category_code, level_code).rule or leaf.category.rule
        if rule is None and leaf.parent is not None:
            rule = leaf.parent.rule
        if rule is None:  # semantic_issues refuses such a profile; this is a safety net
            raise KeyError(f"申报类型 {category_code!r} 等级 {level_code!r} 没有学时规则")
        return rule

    def field_uses(self, category_code: str) -> list[FieldUse]:
        leaf = self.leaf(category_code)
        for candidate in (leaf.category.fields, leaf.parent.fields if leaf.parent else None):
            if candidate is not None:
                return list(candidate)
        return list(self.default_fields)

    def fields_for(self, category_code: str) -> list[tuple[str, FieldSpec, bool]]:
        """(name, spec with this category's label, required) for each field the form shows."""
        cached = self._fields_for_cache.get(category_code)
        if cached is None:
            shown = []
            for use in self.field_uses(category_code):
                spec = self.fields[use.name]
                if use.label:
                    spec = spec.model_copy(update={"label": use.label})
                shown.append((use.name, spec, use.required))
            # The version and its specs are frozen, so the list is the same every time.
            cached = self._fields_for_cache[category_code] = tuple(shown)
        return list(cached)

    def attachments_for(self, category_code: str) -> AttachmentRules:
        leaf = self.leaf(category_code)
        if leaf.category.attachments is not None:
            return leaf.category.attachments
        if leaf.parent is not None and leaf.parent.attachments is not None:
            return leaf.parent.attachments
        return self.attachments

    def materials_for(self, category_code: str) -> str:
        leaf = self.leaf(category_code)
        return leaf.category.materials or (leaf.parent.materials if leaf.parent else "")

    def materials_required_for(self, category_code: str, declared_by: str) -> bool:
        """Must a claim of this category, declared by this route (a declarant kind), carry
        evidence before it is sent? Henan: every form 需要上传, "基地统一上报的可以不用提供"."""
        return self.attachments_for(category_code).required and (
            declared_by not in self.materials_optional_routes(category_code)
        )

    def materials_optional_routes(self, category_code: str) -> list[str]:
        leaf = self.leaf(category_code)
        for candidate in (
            leaf.category.materials_optional_for,
            leaf.parent.materials_optional_for if leaf.parent else None,
        ):
            if candidate is not None:
                return list(candidate)
        return []

    def declarants_for(self, category_code: str) -> list[str]:
        leaf = self.leaf(category_code)
        for candidate in (
            leaf.category.declarants,
            leaf.parent.declarants if leaf.parent else None,
        ):
            if candidate is not None:
                return list(candidate)
        return list(self.declarants)

    def yearly_cap_for(self, category_code: str) -> Decimal | None:
        leaf = self.leaf(category_code)
        caps = [
            leaf.category.yearly_cap_hours,
            leaf.parent.yearly_cap_hours if leaf.parent else None,
        ]
        present = [cap for cap in caps if cap is not None]
        return min(present) if present else None

    def review_level(self, code: str) -> ReviewLevel:
        for level in self.review.levels:
            if level.code == code:
                return level
        raise KeyError(f"未定义的审核级别 {code!r}")

    def review_chain(self, category_code: str = "") -> list[ReviewLevel]:
        """The region's chain; for a category with ``chain_after``, those levels after it."""
        codes = list(self.review.chain)
        if category_code and category_code in self.leaf_index:
            codes += self.chain_after_for(category_code)
        return [self.review_level(code) for code in codes]

    def credits_for(self, category_code: str) -> CreditUnit | None:
        """The credit unit if claims of this category may be declared in it (typed hours)."""
        credits = self.credits
        if credits is None or category_code not in self.leaf_index:
            return None
        if credits.categories is not None:
            return credits if category_code in credits.categories else None
        return credits if _typed_hours(self, category_code) else None

    def claim_levels(self) -> list[ReviewLevel]:
        """Every level a claim may meet: the chain, any category's levels after it, the direct
        chain (each once, in that order)."""
        codes = list(self.review.chain)
        for leaf in self.leaf_categories():
            codes += [code for code in self.chain_after_for(leaf.code) if code not in codes]
        levels = [self.review_level(code) for code in codes]
        return levels + [level for level in self.direct_chain() if level not in levels]

    def chain_after_for(self, category_code: str) -> list[str]:
        leaf = self.leaf(category_code)
        for candidate in (
            leaf.category.chain_after,
            leaf.parent.chain_after if leaf.parent else None,
        ):
            if candidate is not None:
                return list(candidate)
        return []

    def direct_chain(self) -> list[ReviewLevel]:
        """The chain of a claim submitted straight to a supervisor (empty if not allowed)."""
        if not self.review.direct_to_supervisor:
            return []
        if self.review.direct_chain is not None:
            return [self.review_level(code) for code in self.review.direct_chain]
        chain = self.review_chain()
        start = next(i for i, lv in enumerate(chain) if lv.organization_kind == "supervisor")
        return chain[start:]

    def supplement_chain(self) -> list[ReviewLevel]:
        supplement = self.windows.supplement
        if supplement is None:
            return []
        return [self.review_level(code) for code in (supplement.chain or self.review.chain)]

    def title_choices(self) -> list[str]:
        """'教师系列/高校教师/教授(正高)' for every grade of every track."""
        return [
            f"{series.series}/{discipline.name}/{grade.name}({grade.rank})"
            for series in self.title_tracks
            for discipline in series.disciplines
            for grade in discipline.grades
        ]

    def tier_for_rank(self, rank: str) -> RegionTier | None:
        return next((tier for tier in self.region_tiers if rank in tier.ranks), None)

    def tier(self, code: str) -> RegionTier | None:
        return next((tier for tier in self.region_tiers if tier.code == code), None)

    def grades_offered(self, region_code: str) -> list[tuple[str, str, TitleGrade]]:
        """(series, discipline, grade) a declaring region certifies: the ranks of its tier
        (Xinjiang: 自治区 → 正高、副高; a prefecture → 中级、初级)."""
        region = self.yearly_application.region(region_code)
        tier = self.tier(region.tier) if region is not None else None
        if tier is None:
            return []
        return [
            (series.series, discipline.name, grade)
            for series in self.title_tracks
            for discipline in series.disciplines
            for grade in discipline.grades
            if grade.rank in tier.ranks
        ]


class PolicyProfile(StrictModel):
    """One region's profile file: its name and its dated versions, oldest first."""

    name: Label
    region: Label
    # Why one file holds all versions: the file stem is the key an authority stores, a new
    # year's rules are reviewed as a diff of the same file, and check_profiles sees the whole
    # history at once (order, duplicate dates). YAML anchors let versions share unchanged parts.
    versions: list[ProfileVersion] = Field(min_length=1)
    note: str = ""

    def version_on(self, on_date: date) -> ProfileVersion | None:
        """The version in force on a date: the latest that started on or before it."""
        in_force = [v for v in self.versions if v.effective_from <= on_date]
        return max(in_force, key=lambda v: v.effective_from) if in_force else None


# --- cross-reference checks ----------------------------------------------------------------


def semantic_issues(profile: PolicyProfile) -> list[tuple[str, str]]:
    """(key path, reason) for every reference the schema alone cannot check."""
    issues: list[tuple[str, str]] = []
    seen_dates: set[date] = set()
    previous: date | None = None
    for v, version in enumerate(profile.versions):
        where = f"versions[{v}]"
        if version.effective_from in seen_dates:
            issues.append((f"{where}.effective_from", f"生效日期 {version.effective_from} 重复"))
        elif previous is not None and version.effective_from < previous:
            issues.append((f"{where}.effective_from", "版本应按生效日期从早到晚排列"))
        seen_dates.add(version.effective_from)
        previous = version.effective_from
        issues.extend((f"{where}.{path}", reason) for path, reason in _version_issues(version))
    issues.extend(_certificate_issues(profile))
    return issues


def _certificate_issues(profile: PolicyProfile) -> Iterator[tuple[str, str]]:
    """A certificate number's prefix names the region: every version that issues certificates
    keeps the same one (numbers stay one series); a region may not stop and restart with
    another."""
    first: str | None = None
    for v, version in enumerate(profile.versions):
        rules = version.certificate
        if rules is None:
            continue
        if first is None:
            first = rules.number_prefix
        elif rules.number_prefix != first:
            yield (
                f"versions[{v}].certificate.number_prefix",
                f"证书编号前缀 {rules.number_prefix!r} 与前一版本的 {first!r} 不同，"
                "同一地区的证书编号应属同一序列",
            )


def _version_issues(version: ProfileVersion) -> Iterator[tuple[str, str]]:
    yield from _field_spec_issues(version)
    yield from _field_reference_issues("default_fields", version.default_fields, version)
    if version.subcategory_prompt and not any(c.subcategories for c in version.categories):
        yield ("subcategory_prompt", "没有类别设二级类型，不应给出二级类型的提示")
    codes: dict[str, str] = {}
    for i, category in enumerate(version.categories):
        path = f"categories[{i}]"
        yield from _category_issues(path, category, None, version, codes)
        for j, sub in enumerate(category.subcategories):
            yield from _category_issues(f"{path}.subcategories[{j}]", sub, category, version, codes)
            if sub.subcategories:
                yield (
                    f"{path}.subcategories[{j}].subcategories",
                    "类别最多两级（类别 → 二级类型）",
                )
    yield from _review_issues(version)
    yield from _access_issues(version.access)
    yield from _credit_issues(version)
    yield from _requirement_issues(version.requirement)
    yield from _tier_issues(version)
    yield from _application_issues(version)


def _category_issues(
    path: str,
    category: Category,
    parent: Category | None,
    version: ProfileVersion,
    codes: dict[str, str],
) -> Iterator[tuple[str, str]]:
    if category.code in codes:
        yield (f"{path}.code", f"类别代码 {category.code!r} 重复（已用于 {codes[category.code]}）")
    else:
        codes[category.code] = path
    if category.fields is not None:
        yield from _field_reference_issues(f"{path}.fields", category.fields, version)
    yield from _materials_route_issues(path, category, parent, version)
    yield from _chain_after_issues(path, category, version)
    yield from _training_plan_issues(path, category, parent, version)
    if category.subcategories:
        if category.levels:
            yield (f"{path}.levels", "有二级类型的类别不设申报等级，等级应写在二级类型上")
        return
    if not category.levels:
        yield (f"{path}.levels", f"类别 {category.name!r} 没有申报等级（至少需要一个）")
        return
    level_codes: set[str] = set()
    for k, level in enumerate(category.levels):
        if level.code in level_codes:
            yield (f"{path}.levels[{k}].code", f"申报等级代码 {level.code!r} 重复")
        level_codes.add(level.code)
        rule = level.rule or category.rule or (parent.rule if parent else None)
        if rule is None:
            yield (f"{path}.levels[{k}].rule", "没有学时规则（等级、类别或上级类别须给出 rule）")
            continue
        uses = (
            category.fields
            if category.fields is not None
            else (
                parent.fields
                if parent is not None and parent.fields is not None
                else version.default_fields
            )
        )
        shown = {use.name for use in uses}
        for needed in rule_inputs(rule):
            if needed not in shown:
                yield (
                    f"{path}.fields",
                    f"等级 {level.code!r} 的规则 {rule.kind} 需要字段 {needed!r}，"
                    "但该类别未显示此字段",
                )


# --- who may declare at all (issue 13 item 4) --------------------------------------------------

_ACCESS_TEXTS = ("grant_label", "unit_not_granted", "person_not_enabled", "prompt")


def _access_issues(access: PlatformAccess) -> Iterator[tuple[str, str]]:
    """enabled_by_unit needs every text a person or a supervisor reads; open needs none."""
    for name in _ACCESS_TEXTS:
        text = getattr(access, name)
        if access.managed and not text.strip():
            yield (f"access.{name}", "access.mode 为 enabled_by_unit 时须给出该提示文字")
        elif not access.managed and text:
            yield (f"access.{name}", "access.mode 为 open 时不设开通权限，不应给出该文字")


# --- required materials per declaring route (issue 13 item 3) ---------------------------------


def _materials_route_issues(
    path: str, category: Category, parent: Category | None, version: ProfileVersion
) -> Iterator[tuple[str, str]]:
    """An exempt route must be one that may declare the category, or the key says nothing."""
    if not category.materials_optional_for:
        return
    declarants = category.declarants or (parent.declarants if parent else None)
    allowed = set(declarants if declarants is not None else version.declarants)
    for k, kind in enumerate(category.materials_optional_for):
        if kind not in allowed:
            yield (
                f"{path}.materials_optional_for[{k}]",
                f"{DECLARANT_LABELS[kind]}不能申报该类别，免交材料无从说起",
            )


def _typed_hours(version: ProfileVersion, category_code: str) -> bool:
    """Does the declarant type the hours for every level of the category (a manual rule)?"""
    leaf = version.leaf(category_code)
    rules = [
        level.rule or leaf.category.rule or (leaf.parent.rule if leaf.parent else None)
        for level in leaf.category.levels
    ]
    return bool(rules) and all(isinstance(rule, ManualRule) for rule in rules)


def _credit_issues(version: ProfileVersion) -> Iterator[tuple[str, str]]:
    """Credits convert typed amounts: a listed category must exist and have typed hours."""
    if version.credits is None or version.credits.categories is None:
        return
    for k, code in enumerate(version.credits.categories):
        if code not in version.leaf_index:
            yield (f"credits.categories[{k}]", f"类别 {code!r} 不存在")
        elif not _typed_hours(version, code):
            yield (
                f"credits.categories[{k}]",
                f"类别 {code!r} 的学时按规则计算，不能按{version.credits.label}申报",
            )


def _training_plan_issues(
    path: str, category: Category, parent: Category | None, version: ProfileVersion
) -> Iterator[tuple[str, str]]:
    """A category refers to a plan's training exactly when its form asks for one."""
    if category.subcategories:
        return
    uses = category.fields
    if uses is None:
        uses = parent.fields if parent is not None and parent.fields is not None else None
    if uses is None:
        uses = version.default_fields
    asks = any(
        use.name in version.fields and version.fields[use.name].type == "planned_training"
        for use in uses
    )
    if category.training_plan is not None and not asks:
        yield (f"{path}.fields", "类别设置了 training_plan，表单须包含 planned_training 类型的字段")
    if category.training_plan is None and asks:
        yield (f"{path}.training_plan", "表单含年度计划培训项目字段，类别须设置 training_plan")


def _chain_after_issues(
    path: str, category: Category, version: ProfileVersion
) -> Iterator[tuple[str, str]]:
    """A level after the chain must be defined and not already in the chain."""
    defined = {level.code for level in version.review.levels}
    for k, code in enumerate(category.chain_after or []):
        if code not in defined:
            yield (f"{path}.chain_after[{k}]", f"审核级别 {code!r} 未在 review.levels 中定义")
        elif code in version.review.chain:
            yield (f"{path}.chain_after[{k}]", f"审核级别 {code!r} 已在 review.chain 中")


def _field_spec_issues(version: ProfileVersion) -> Iterator[tuple[str, str]]:
    """Pictures only inside a rich-text field, and only picture kinds (issue 13 item 12)."""
    for name, spec in version.fields.items():
        if spec.image_kinds and spec.type != "rich_text":
            yield (f"fields.{name}.image_kinds", "只有 rich_text（富文本）字段可以插入图片")
        for k, kind in enumerate(spec.image_kinds):
            if kind not in IMAGE_KINDS:
                yield (
                    f"fields.{name}.image_kinds[{k}]",
                    f"{kind} 不是图片格式（可用 {'、'.join(sorted(IMAGE_KINDS))}）",
                )


def _field_reference_issues(
    path: str, uses: list[FieldUse], version: ProfileVersion
) -> Iterator[tuple[str, str]]:
    names: set[str] = set()
    for k, use in enumerate(uses):
        if use.name not in version.fields:
            yield (f"{path}[{k}]", f"字段 {use.name!r} 未在 fields 中定义")
        if use.name in names:
            yield (f"{path}[{k}]", f"字段 {use.name!r} 重复")
        names.add(use.name)


def _review_issues(version: ProfileVersion) -> Iterator[tuple[str, str]]:
    review = version.review
    defined: dict[str, ReviewLevel] = {}
    for k, level in enumerate(review.levels):
        if level.code in defined:
            yield (f"review.levels[{k}].code", f"审核级别代码 {level.code!r} 重复")
        defined[level.code] = level
    chains: list[tuple[str, list[str]]] = [("review.chain", review.chain)]
    if review.direct_chain is not None:
        chains.append(("review.direct_chain", review.direct_chain))
    supplement = version.windows.supplement
    if supplement is not None and supplement.chain is not None:
        chains.append(("windows.supplement.chain", supplement.chain))
    for path, chain in chains:
        order = -1
        for k, code in enumerate(chain):
            named = defined.get(code)
            if named is None:
                known = "、".join(defined) or "（无）"
                yield (f"{path}[{k}]", f"审核链引用了未定义的审核级别 {code!r}（已定义：{known}）")
                continue
            rank = ORGANIZATION_LEVELS.index(named.organization_kind)
            if rank < order:
                yield (f"{path}[{k}]", "审核链应自下而上：单位 → 主管部门 → 认定机构")
            order = max(order, rank)
        if chain and chain[-1] in defined and defined[chain[-1]].skippable:
            yield (f"{path}[{len(chain) - 1}]", "终审级别不能设为可跳过")
    yield from _outcome_and_word_issues(version, defined)
    yield from _supplement_issues(version, defined)
    if review.direct_to_supervisor:
        direct = review.direct_chain or review.chain
        if not any(
            code in defined and defined[code].organization_kind == "supervisor" for code in direct
        ):
            yield (
                "review.direct_to_supervisor",
                "审核链中没有主管部门级别，不能直接提交至主管部门",
            )


def _supplement_issues(
    version: ProfileVersion, defined: dict[str, ReviewLevel]
) -> Iterator[tuple[str, str]]:
    """增补: a window that ends before it opens, or consent from a unit the chain lacks."""
    supplement = version.windows.supplement
    if supplement is None:
        return
    if supplement.closes < supplement.opens:
        yield (
            "windows.supplement.closes",
            f"增补截止日期 {supplement.closes} 早于开始日期 {supplement.opens}（窗口不能跨年）",
        )
    if supplement.needs_unit_consent and not any(
        level.organization_kind == "unit" for level in defined.values()
    ):
        yield (
            "windows.supplement.needs_unit_consent",
            "需单位同意增补，但审核级别中没有单位级别（organization_kind: unit）",
        )
    words = supplement.words
    states = [words.draft, words.pending, words.approved, words.rejected]
    if len(set(states)) != len(states):
        yield ("windows.supplement.words", "增补申请的各状态用语不能相同")
    if words.handled == words.unhandled:
        yield ("windows.supplement.words", "“已处理”与“未处理”的用语不能相同")


def _outcome_and_word_issues(
    version: ProfileVersion, defined: dict[str, ReviewLevel]
) -> Iterator[tuple[str, str]]:
    for k, level in enumerate(version.review.levels):
        if len(set(level.outcomes)) != len(level.outcomes):
            yield (f"review.levels[{k}].outcomes", "审核结论重复")
        if "approve" not in level.outcomes:
            # Without 审核通过 no claim could ever pass this level.
            yield (f"review.levels[{k}].outcomes", "审核结论必须包含 approve（审核通过）")
    for code, words in version.status_words.levels.items():
        where = f"status_words.levels.{code}"
        named = defined.get(code)
        if named is None:
            known = "、".join(defined) or "（无）"
            yield (where, f"状态用语引用了未定义的审核级别 {code!r}（已定义：{known}）")
            continue
        for outcome, state in (("return", "returned"), ("reject", "rejected")):
            if getattr(words, state) is not None and outcome not in named.outcomes:
                yield (
                    f"{where}.{state}",
                    f"审核级别 {code!r} 没有“{OUTCOME_LABELS[outcome]}”结论，不能为其设置状态用语",
                )


def _requirement_issues(requirement: YearlyRequirement) -> Iterator[tuple[str, str]]:
    general = requirement.general_hours or Decimal(0)
    professional = requirement.professional_hours or Decimal(0)
    if general + professional > requirement.total_hours:
        yield ("requirement", "公需科目与专业科目学时之和超过年度总学时")
    if requirement.professional_hours is not None:
        floor = Fraction(requirement.total_hours) * requirement.professional_share
        if Fraction(requirement.professional_hours) < floor:
            yield (
                "requirement.professional_hours",
                f"专业科目学时低于年度总学时的 {requirement.min_professional_share}",
            )


def _tier_issues(version: ProfileVersion) -> Iterator[tuple[str, str]]:
    if not version.region_tiers:
        return
    covered: dict[str, str] = {}
    for k, tier in enumerate(version.region_tiers):
        for rank in tier.ranks:
            if rank in covered:
                yield (f"region_tiers[{k}].ranks", f"职称等级 {rank} 已由 {covered[rank]} 认定")
            covered[rank] = tier.name
    for s, series in enumerate(version.title_tracks):
        for d, discipline in enumerate(series.disciplines):
            for g, grade in enumerate(discipline.grades):
                if grade.rank not in covered:
                    yield (
                        f"title_tracks[{s}].disciplines[{d}].grades[{g}].rank",
                        f"没有申报区域认定 {grade.rank} 职称",
                    )


def _application_issues(version: ProfileVersion) -> Iterator[tuple[str, str]]:
    """The yearly application's references: sections, tiers, regions, series, outcomes."""
    rules = version.yearly_application
    where = "yearly_application"
    if not rules.enabled:
        return
    if version.requirement.application_threshold_hours is None:
        yield (
            f"{where}.enabled",
            "启用学时认定申请书须设置 requirement.application_threshold_hours",
        )
    if not rules.sections:
        yield (f"{where}.sections", "学时认定申请书至少需要一个活动栏目")
    for k, code in enumerate(rules.sections):
        leaf = version.leaf_index.get(code)
        if leaf is None:
            yield (f"{where}.sections[{k}]", f"栏目引用了未定义的类别 {code!r}")
            continue
        if "hours_claimed" not in {use.name for use in version.field_uses(code)}:
            yield (f"{where}.sections[{k}]", f"类别 {code!r} 未显示申请学时字段，不能作为栏目")
    if len(set(rules.sections)) != len(rules.sections):
        yield (f"{where}.sections", "栏目重复")
    tiers = {tier.code for tier in version.region_tiers}
    if not rules.declaring_regions:
        yield (f"{where}.declaring_regions", "至少需要一个申报区域")
    regions: set[str] = set()
    for k, region in enumerate(rules.declaring_regions):
        if region.code in regions:
            yield (f"{where}.declaring_regions[{k}].code", f"申报区域代码 {region.code!r} 重复")
        regions.add(region.code)
        if region.tier not in tiers:
            yield (f"{where}.declaring_regions[{k}].tier", f"未定义的申报区域层级 {region.tier!r}")
        elif region.tier not in rules.contacts:
            yield (f"{where}.contacts", f"缺少层级 {region.tier!r} 无认定单位时的联系说明")
    for code in rules.contacts:
        if code not in tiers:
            yield (f"{where}.contacts.{code}", f"未定义的申报区域层级 {code!r}")
    series_names = {series.series for series in version.title_tracks}
    for k, certifier in enumerate(rules.certifiers):
        for j, code in enumerate(certifier.regions):
            if code not in regions:
                yield (f"{where}.certifiers[{k}].regions[{j}]", f"未定义的申报区域 {code!r}")
        for j, name in enumerate(certifier.series):
            if name not in series_names:
                yield (f"{where}.certifiers[{k}].series[{j}]", f"未定义的职称系列 {name!r}")
    if "approve" not in rules.outcomes:
        yield (f"{where}.outcomes", "审核结论必须包含 approve（同意）")
    if "unit" not in rules.forwarding or not rules.forwarding["unit"]:
        yield (f"{where}.forwarding", "须说明基层单位同意后可提交至哪些单位")
    for kind, targets in rules.forwarding.items():
        if "certifier" not in targets and "supervisor" not in targets:
            yield (f"{where}.forwarding.{kind}", "至少须能提交至一个单位")
    if not any(level.organization_kind == "unit" for level in version.review.levels):
        yield (f"{where}.enabled", "审核级别中没有单位审核（organization_kind: unit）")


def days_in_year(year: int) -> int:
    return 366 if calendar.isleap(year) else 365
