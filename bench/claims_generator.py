"""Deterministic synthetic claims for the statistics and export benchmarks.

Written because `bench/generate.py` (the shared generator) did not exist yet when these
benchmarks were built; it can replace this module once it offers the same tables.

Five regions (one authority each, with its policy profile), 4 supervisors per authority,
units under the supervisors (one in five straight under the authority where the region's
chain allows it; each unit's chain planned by the lifecycle's own `resolve_chain`), people
with valid ID numbers (`make_id_number`, born 1985 or later) and title tracks, and claims
spread over units, 18 categories (the Anyang seed's list), statuses and credit years
2019–2025, each submitted claim with its review chain (ChainStep) and verdicts (TrailEntry),
and YearTotal rows summed from the approved claims. The same `seed` always gives the same data.

On PostgreSQL everything is loaded with COPY (explicit ids, sequences reset afterwards);
elsewhere with bulk_create in batches.
"""

from __future__ import annotations

import datetime
import random
import time
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any, cast

from django.db import connection, models
from django.utils import timezone

from xueshi.accounts.models import Person, User, id_number_digest
from xueshi.core.fields import EncryptedCharField
from xueshi.core.testing import make_credit_code, make_id_number
from xueshi.declarations.models import Declaration
from xueshi.orgs.models import Organization
from xueshi.policy.resolver import resolve_version
from xueshi.review.chain import resolve_chain
from xueshi.review.models import ChainStep, TrailEntry

REGIONS = [
    ("anyang", "安阳市专业技术人员继续教育协会", "410500", "410502"),
    ("henan", "河南省人力资源和社会保障厅", "410000", "410105"),
    ("guangxi", "广西壮族自治区人力资源和社会保障厅", "450000", "450102"),
    ("zhejiang_construction", "浙江省建设厅", "330000", "330106"),
    ("xinjiang", "新疆维吾尔自治区人力资源和社会保障厅", "650000", "650102"),
]
CATEGORIES = [
    "参加国家部委、省、市有关部门、行业组织主办或委托举办的学习、培训、研修班等活动",
    "参加学历、学位教育",
    "参加国家部委举办的学术、交流会议或参加省级举办的学术、交流会议",
    "参加国家级课题（项目）研究",
    "参加省级课题（项目）",
    "公开发行出版著作（译作）、在专业刊物上发表论文或论文被收录",
    "获得中国专利局授予的发明专利、实用新型和外观设计专利",
    "获得科学技术进步奖、自然科学奖、技术发明奖和社科奖等奖项",
    "专题调研报告被省委、省政府领导或当地党委、政府主要领导批示",
    "参加计算机应用能力或专业技术职务外语考试",
    "参加全国高级、中级或初级专业技术资格考试",
    "参加援藏、援疆、援外及到基层、贫困地区支教、支农、支医、扶贫和挂职锻炼",
    "参加人力资源和社会保障部门或单位、行业组织举办的培训",
    "其他类别的继续教育形式",
    "年度内在境外工作超过6个月或病假、生育等其他情况",
    "平时工作中好的体会或经验做成小课件上传",
    "在本系统内由主管部门组织的专业技术人员专业科目培训",
    "上报下一年度专业科目自学计划",
]
# Skewed on purpose: training courses dominate, like real data.
CATEGORY_WEIGHTS = [30, 6, 10, 2, 3, 8, 2, 1, 1, 4, 4, 1, 12, 6, 1, 2, 5, 1]
STATUSES = ["approved", "pending", "returned", "rejected", "draft", "deleted"]
STATUS_WEIGHTS = [58, 14, 5, 8, 12, 3]
TRACKS = [
    "教师系列/高校教师/讲师(中级)",
    "教师系列/中小学教师/一级教师(中级)",
    "卫生系列/临床医学/主治医师(中级)",
    "卫生系列/护理/主管护师(中级)",
    "工程系列/土木工程/工程师(中级)",
    "工程系列/电子信息/高级工程师(副高)",
    "会计系列/会计/会计师(中级)",
    "经济系列/人力资源/经济师(中级)",
    "农业系列/农学/农艺师(中级)",
    "",
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"  # noqa: E501
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国海燕晓东新雪梅林琳宇浩凯欣怡佳"
)
YEARS = list(range(2019, 2026))
BATCH = 5000


def _reset_sequence(model: type[models.Model]) -> None:
    """After COPY with explicit ids, the next id comes after the highest one."""
    if connection.vendor != "postgresql":
        return
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
            f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
        )


def _copy_or_bulk(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Insert rows (tuples in `columns` order, ids included) as fast as the database allows."""
    count = 0
    if connection.vendor == "postgresql":
        table = model._meta.db_table
        names = ", ".join(
            f'"{cast(models.Field, model._meta.get_field(column)).column}"' for column in columns
        )
        # COPY skips the fields' preparation: encrypted ones (ID number, phone) are done here.
        encrypted = [
            (i, field)
            for i, field in enumerate(model._meta.get_field(column) for column in columns)
            if isinstance(field, EncryptedCharField)
        ]
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
        ):
            for row in rows:
                if encrypted:
                    row = list(row)
                    for i, field in encrypted:
                        row[i] = field.get_prep_value(row[i])
                copy.write_row(row)
                count += 1
        return count
    # Relations are given as ids: build the instances by attname (unit_id, not unit).
    attnames = [cast(models.Field, model._meta.get_field(column)).attname for column in columns]
    batch: list[models.Model] = []
    for row in rows:
        batch.append(model(**dict(zip(attnames, row, strict=True))))
        if len(batch) >= BATCH:
            model._default_manager.bulk_create(batch)
            count += len(batch)
            batch = []
    if batch:
        model._default_manager.bulk_create(batch)
        count += len(batch)
    return count


def _build_organizations(
    rng: random.Random, units_per_region: int, supervisors_per_region: int = 4
) -> list[dict[str, Any]]:
    """The tree, with saves (paths are computed on save); returns one dict per unit. Every
    organisation has a valid unified social credit code (deterministic, by its place)."""
    units = []
    sequence = 0

    def credit_code(region_code: str) -> str:
        nonlocal sequence
        sequence += 1
        return make_credit_code(region_code, 10_000_000 + sequence)

    for index, (profile, name, region_code, county_code) in enumerate(REGIONS):
        authority = Organization.objects.create(
            kind="authority",
            name=name,
            region_code=region_code,
            policy_profile=profile,
            credit_code=credit_code(region_code),
        )
        supervisors = [
            Organization.objects.create(
                kind="supervisor",
                name=f"{name[:2]}第{number + 1}主管部门",
                region_code=region_code,
                parent=authority,
                credit_code=credit_code(region_code),
            )
            for number in range(supervisors_per_region)
        ]
        straight_under_authority = not _needs_supervisor(profile)
        for number in range(units_per_region):
            parent = (
                authority
                if number % 5 == 0 and straight_under_authority
                else supervisors[number % len(supervisors)]
            )
            unit = Organization.objects.create(
                kind="unit",
                name=f"{name[:2]}单位{index + 1:02d}{number + 1:04d}",
                region_code=county_code,
                parent=parent,
                credit_code=credit_code(county_code),
            )
            chain, levels = _chain_of(profile, unit)
            units.append(
                {
                    "id": unit.pk,
                    "county": county_code,
                    "profile": profile,
                    "chain": chain,
                    "levels": levels,
                }
            )
    return units


def _unit_of_each_person(
    rng: random.Random, units: list[dict[str, Any]], count: int
) -> list[dict[str, Any]]:
    """Units of very different sizes, as in a province (a few hospitals and universities with
    thousands of people, many small units): weights fall with rank (Zipf-like), every unit
    has at least one person."""
    ranks = list(range(len(units)))
    rng.shuffle(ranks)
    weights = [1 / (rank + 1) ** 0.8 for rank in ranks]
    chosen = list(units[: min(count, len(units))])
    chosen += rng.choices(units, weights=weights, k=max(0, count - len(units)))
    return chosen


def _people(
    rng: random.Random, person_units: list[dict[str, Any]], first_id: int
) -> Iterator[tuple[Any, ...]]:
    now = timezone.now()
    for offset, unit in enumerate(person_units):
        pk = first_id + offset
        birth = datetime.date(1985, 1, 1) + datetime.timedelta(days=offset // 500)
        female = rng.random() < 0.5
        id_number = make_id_number(unit["county"], birth, offset, female=female)
        name = (
            rng.choice(SURNAMES)
            + rng.choice(GIVEN)
            + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
        )
        yield (
            pk,
            id_number,
            id_number_digest(id_number),
            name,
            "",
            birth,
            "F" if female else "M",
            rng.choice(TRACKS),
            unit["id"],
            False,
            now,
            *PERSON_BLANKS,
        )


PERSON_COLUMNS = [
    "id", "id_number", "id_number_digest", "name", "phone", "birth_date", "sex", "specialty",
    "unit", "in_establishment", "created_at",
    "photo", "ethnicity", "education", "degree", "emergency_phone", "declaring_region",
]  # fmt: skip
# Not null, no database default: COPY must name them (blank, as a new person's are).
PERSON_BLANKS = ("", "", "", "", "", "")
DECLARATION_COLUMNS = [
    "id", "person", "unit", "created_by", "policy_profile", "profile_version", "category_code",
    "category_name", "level_code", "level_name", "title", "description", "certificate_number",
    "extra", "credit_year", "hours_claimed", "hours_explanation", "hours_granted", "pledge",
    "status", "current_position", "entry_position", "submitted_at", "decided_at", "created_at",
    "updated_at", "current_organization", "status_level", "is_supplement",
]  # fmt: skip
STEP_COLUMNS = ["id", "declaration", "position", "level_code", "level_name", "organization"]
TRAIL_COLUMNS = [
    "id", "declaration", "action", "level_name", "organization", "actor", "actor_role",
    "from_status", "to_status", "comment", "hours_granted", "at", "to_level",
]  # fmt: skip


def _needs_supervisor(profile: str) -> bool:
    """A region whose chain has a supervisor level that cannot be skipped (Guangxi's 终审):
    its units all sit under a supervisor, as the real lifecycle would otherwise refuse them."""
    return any(
        level.organization_kind == "supervisor" and not level.skippable
        for level in resolve_version(profile).review_chain()
    )


def _chain_of(profile: str, unit: Organization) -> tuple[list[int], list[tuple[str, str]]]:
    """The organisations and (code, name) of each step, from the region's own chain as the
    lifecycle plans it, so queues, filters and the region's words see real level codes."""
    steps = resolve_chain(resolve_version(profile), unit=unit)
    return [step.organization.pk for step in steps], [
        (step.level_code, step.level_name) for step in steps
    ]


def generate(
    *,
    claims: int,
    seed: int = 20260101,
    people_per_claim: float = 0.1,
    people: int | None = None,
    units: int | None = None,
) -> dict[str, Any]:
    """Create the whole data set in an empty database; returns counts and timings.

    `people` and `units` (province-wide totals) default to a tenth of the claims and up to
    1,000 units; units are spread over the five regions, people over units by size."""
    started = time.perf_counter()
    rng = random.Random(seed)  # noqa: S311 (synthetic data, reproducible on purpose)
    tz = timezone.get_current_timezone()
    user = User.objects.create(username="bench", full_name="基准测试")
    if units is None:
        units_per_region = max(4, min(200, claims // 5000))
    else:
        units_per_region = max(1, units // len(REGIONS))
    supervisors = max(4, units_per_region // 50)  # about 50 units under each supervisor
    unit_rows = _build_organizations(rng, units_per_region, supervisors)
    person_count = people if people is not None else int(claims * people_per_claim)
    person_count = max(len(unit_rows), person_count)
    first_person = (Person.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    person_units = _unit_of_each_person(rng, unit_rows, person_count)
    _copy_or_bulk(Person, PERSON_COLUMNS, _people(rng, person_units, first_person))
    _reset_sequence(Person)

    steps: list[tuple[Any, ...]] = []
    trail: list[tuple[Any, ...]] = []
    step_id = trail_id = 0

    def declarations(first: int, last: int) -> Iterator[tuple[Any, ...]]:
        nonlocal step_id, trail_id
        for pk in range(first, last + 1):
            person_offset = rng.randrange(person_count)
            unit = person_units[person_offset]
            year = rng.choices(YEARS, weights=[4, 5, 6, 8, 10, 12, 14])[0]
            category = rng.choices(range(len(CATEGORIES)), weights=CATEGORY_WEIGHTS)[0]
            status = rng.choices(STATUSES, weights=STATUS_WEIGHTS)[0]
            hours = Decimal(rng.choice((2, 4, 6, 8, 10, 12, 15, 16, 20, 24, 30, 40, 60)))
            day = datetime.date(year, 1, 1) + datetime.timedelta(days=rng.randrange(365))
            created = datetime.datetime.combine(day, datetime.time(9), tz) + datetime.timedelta(
                minutes=rng.randrange(600)
            )
            chain = unit["chain"]
            levels = unit["levels"]
            submitted: datetime.datetime | None = created + datetime.timedelta(
                hours=rng.randrange(1, 72)
            )
            if status == "draft":
                submitted = None
            position = rng.randrange(1, len(chain) + 1) if status == "pending" else None
            granted = hours if status == "approved" and rng.random() < 0.85 else None
            if status == "approved" and granted is None:
                granted = (hours * Decimal("0.5")).quantize(Decimal("1"))
            decided = (
                submitted + datetime.timedelta(days=rng.randrange(1, 60))
                if submitted and status in ("approved", "rejected")
                else None
            )
            yield (
                pk, first_person + person_offset, unit["id"], user.pk, unit["profile"],
                datetime.date(2014, 1, 1), f"cat{category + 1:02d}", CATEGORIES[category],
                "l1", "按主办单位认定的学时申报", f"继续教育学习活动{pk}", "", "", "{}", year,
                hours, "", granted, True, status, position, 1 if submitted else None,
                submitted, decided, created, decided or submitted or created,
                # Pending: where it waits (as the lifecycle keeps current_organization and
                # status_level).
                chain[position - 1] if position else None,
                levels[position - 1][0] if position else "",
                False,
            )  # fmt: skip
            if submitted is None:
                continue
            for index, organization in enumerate(chain, start=1):
                step_id += 1
                code, name = levels[index - 1]
                steps.append((step_id, pk, index, code, name, organization))
            # Verdicts: every level approves up to where the claim stands now.
            acted = {
                "approved": len(chain),
                "pending": (position or 1) - 1,
                "returned": rng.randrange(1, len(chain) + 1),
                "rejected": rng.randrange(1, len(chain) + 1),
                "deleted": 0,
            }[status]
            at = submitted
            for index in range(1, acted + 1):
                at = at + datetime.timedelta(days=rng.randrange(1, 20))
                last = index == acted
                action = {"returned": "return", "rejected": "reject"}.get(status, "approve")
                action = action if last else "approve"
                trail_id += 1
                trail.append(
                    (
                        trail_id, pk, action, levels[index - 1][1], chain[index - 1],
                        user.pk, "unit_admin", "pending", status if last else "pending", "",
                        granted if last and status == "approved" else None, at, "",
                    )
                )  # fmt: skip

    counts: dict[str, Any] = {"people": person_count, "units": len(unit_rows)}
    counts.update(declarations=0, chain_steps=0, trail_entries=0)
    chunk = 50_000  # claims per round: steps and verdicts of one round are held in memory
    for first in range(1, claims + 1, chunk):
        last = min(claims, first + chunk - 1)
        counts["declarations"] += _copy_or_bulk(
            Declaration, DECLARATION_COLUMNS, declarations(first, last)
        )
        counts["chain_steps"] += _copy_or_bulk(ChainStep, STEP_COLUMNS, steps)
        counts["trail_entries"] += _copy_or_bulk(TrailEntry, TRAIL_COLUMNS, trail)
        steps.clear()
        trail.clear()
    for model in (Declaration, ChainStep, TrailEntry):
        _reset_sequence(model)
    with connection.cursor() as cursor:
        # Yearly totals from the approved claims (the ledger's stored sums), general hours made up.
        cursor.execute(
            "INSERT INTO ledger_yeartotal (person_id, credit_year, general_hours,"
            " professional_hours, updated_at)"
            " SELECT person_id, credit_year, MOD(person_id * 7 + credit_year, 40),"
            " SUM(hours_granted), %s FROM declarations_declaration"
            " WHERE status = 'approved' GROUP BY person_id, credit_year",
            [timezone.now()],
        )
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
    counts["seconds"] = round(time.perf_counter() - started, 1)
    return counts
