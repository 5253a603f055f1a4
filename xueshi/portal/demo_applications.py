"""Demo yearly applications (学时认定申请书, Xinjiang, seed 004) at different stages, and the
Xinjiang people's details (一寸照, 民族, 文化程度, 学位, 紧急联系电话, 申报区域), made through the
services like everything in the demo, once.

- 阿依古丽 (新疆大学, 教授 正高, 自治区): this year's application, 40 + 20 hours, submitted: waits
  for 新疆大学's 信息审核; its 认定单位 is 新疆维吾尔自治区教育厅.
- 石磊 (乌鲁木齐市第一中学, 一级教师 中级, 乌鲁木齐市): last year's application certified by
  乌鲁木齐市人力资源和社会保障局 (in the ledger), and this year's draft at 40 hours (还差 20 学时).
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from xueshi.accounts.details import person_choose_track, person_set_photo, person_update_details
from xueshi.accounts.models import Person, RoleAssignment, RoleKind
from xueshi.applications import services
from xueshi.applications.models import Application, ApplicationStatus
from xueshi.orgs.models import Organization

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


@dataclass(frozen=True)
class Details:
    name: str
    ethnicity: str
    education: str
    degree: str
    emergency_phone: str
    region: str
    colour: tuple[int, int, int]


DETAILS = (
    Details("阿依古丽", "维吾尔族", "doctorate", "doctor", "13899110001", "autonomous_region",
            (222, 235, 247)),
    Details("石磊", "汉族", "bachelor", "bachelor", "13899110002", "urumqi", (226, 239, 218)),
)  # fmt: skip


def photo_upload(colour: tuple[int, int, int] = (222, 235, 247)) -> SimpleUploadedFile:
    """A one-inch portrait placeholder (295 × 413 pixels, JPEG)."""
    buffer = io.BytesIO()
    image = Image.new("RGB", (295, 413), colour)
    for x in range(98, 197):  # a head and shoulders in grey
        for y in range(80, 180):
            if (x - 147) ** 2 + (y - 130) ** 2 < 2500:
                image.putpixel((x, y), (150, 150, 150))
    for x in range(48, 247):
        for y in range(230, 413):
            if (x - 147) ** 2 / 10000 + (y - 413) ** 2 / 33000 < 1:
                image.putpixel((x, y), (150, 150, 150))
    image.save(buffer, "JPEG", quality=80)
    return SimpleUploadedFile("一寸照.jpg", buffer.getvalue(), content_type="image/jpeg")


def load_xinjiang_details() -> None:
    """The Xinjiang demo people's details, where not filled yet."""
    for spec in DETAILS:
        person = Person.objects.select_related("unit").filter(name=spec.name).first()
        if person is None or person.ethnicity:
            continue
        person_update_details(
            person=person,
            ethnicity=spec.ethnicity,
            education=spec.education,
            degree=spec.degree,
            emergency_phone=spec.emergency_phone,
        )
        person_choose_track(person=person, region_code=spec.region, specialty=person.specialty)
        person_set_photo(person=person, upload=photo_upload(spec.colour))


def _professional(person: Person) -> RoleAssignment:
    return RoleAssignment.objects.select_related("user").get(
        user=person.user, kind=RoleKind.PROFESSIONAL
    )


def _reviewer(application: Application) -> RoleAssignment:
    step = application.steps.select_related("organization").get(
        position=application.current_position or 0
    )
    return (
        RoleAssignment.objects.select_related("organization", "user")
        .filter(organization=step.organization, user__person__isnull=True)
        .order_by("pk")
        .first()
        or RoleAssignment.objects.select_related("organization", "user")
        .filter(organization=step.organization)
        .exclude(user=application.person.user)
        .order_by("pk")
        .first()
        or _missing(step.organization)
    )


def _missing(organization: Organization) -> RoleAssignment:
    raise ValueError(f"“{organization.name}”没有可审核演示申请书的管理员。")


def _entries(
    application: Application,
    role: RoleAssignment,
    rows: list[tuple[str, str, str, str, tuple[int, int], tuple[int, int], int]],
) -> None:
    year = application.credit_year
    today = timezone.localdate()
    for number, (section, title, organizer, kind, start, end, hours) in enumerate(rows, 1):
        start_date = min(datetime.date(year, *start), today)
        end_date = min(datetime.date(year, *end), today)
        entry = services.entry_save(
            application=application,
            role=role,
            data=services.EntryInput(section, title, organizer, kind, start_date, end_date, hours),
        )
        services.evidence_add(
            entry=entry,
            role=role,
            upload=SimpleUploadedFile(f"佐证材料{number}.pdf", PDF, content_type="application/pdf"),
        )


def _prepared(person: Person, on: datetime.date, rows: list) -> tuple[Application, RoleAssignment]:
    role = _professional(person)
    application = services.application_start(person=person, role=role, today=on)
    services.application_save_info(
        application=application, role=role, region_code=person.declaring_region
    )
    services.application_save_track(application=application, role=role, specialty=person.specialty)
    offer = services.certifier_offer(application)
    services.application_save_certifier(
        application=application, role=role, certifier_id=offer.organizations[0].pk
    )
    _entries(application, role, rows)
    return application, role


def load_demo_applications() -> int:
    """The demo applications, unless the Xinjiang people have any already; returns how many."""
    load_xinjiang_details()
    people = {p.name: p for p in Person.objects.filter(name__in=("阿依古丽", "石磊"))}
    if len(people) < 2 or Application.objects.filter(person__in=people.values()).exists():
        return 0
    today = timezone.localdate()
    ayigul, shilei = people["阿依古丽"], people["石磊"]

    # 阿依古丽: the seed's own example, submitted, waiting at 新疆大学.
    application, role = _prepared(
        ayigul,
        today,
        [
            ("advanced_study", "现代信息通信技术与数字领域融合发展", "新疆维吾尔自治区通信管理局",
             "高级研修项目", (6, 1), (6, 7), 40),
            ("lectures", "提升高校教师数字化教学能力专题讲座", "新疆大学", "专题讲座",
             (8, 18), (8, 18), 20),
        ],
    )  # fmt: skip
    services.application_submit(application_id=application.pk, actor=role.user, role=role)

    # 石磊: last year's certified (unit → 乌鲁木齐市人社局), this year's a draft at 40 hours.
    last_year = datetime.date(today.year - 1, 11, 20)
    application, role = _prepared(
        shilei,
        last_year,
        [
            ("practice", "乌鲁木齐市中学教学实践活动", "乌鲁木齐市教育局", "", (3, 5), (3, 8), 30),
            ("publication", "在《中学数学教学参考》发表论文", "陕西师范大学", "", (6, 5), (6, 5),
             20),
            ("lectures", "自治区中学数学学科培训班", "新疆维吾尔自治区教育厅", "培训班", (7, 10),
             (7, 12), 16),
        ],
    )  # fmt: skip
    application = services.application_submit(
        application_id=application.pk, actor=role.user, role=role
    )
    while application.status == ApplicationStatus.PENDING:
        reviewer = _reviewer(application)
        step = application.steps.get(position=application.current_position or 0)
        final = not application.steps.filter(position__gt=step.position).exists()
        application = services.application_agree(
            application_id=application.pk,
            actor=reviewer.user,
            role=reviewer,
            comment="材料齐全，同意推荐。" if not final else "同意认定。",
            forward_to=None if final else application.certifier,
        )
    application, role = _prepared(
        shilei,
        today,
        [("research_project", "校级教学研究课题", "乌鲁木齐市第一中学", "", (2, 20), (2, 20), 40)],
    )
    return 3
