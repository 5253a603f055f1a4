"""Demo data of issue 13 items 9 and 12, added after the demo claims (``load_demo(claims=True)``):

- Henan: 河南省教育厅's yearly training plan, filed with 人社 (备案), with a training of its own
  (form 13) and one of 郑州大学 (form 14); a claim for the department's training; a 学分申报;
  a 其他 claim waiting at 省人力资源和社会保障厅备案 (待备案).
- Anyang: 李明's 详细及附件 with a picture inside (a draft), and a type 16 claim with its
  courseware (小课件上传), waiting at the unit.

Idempotent: nothing is added where the Henan plan already exists.
"""

from __future__ import annotations

import datetime
import io
import zipfile
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from xueshi.accounts.models import Person, RoleAssignment, RoleKind
from xueshi.declarations.models import Declaration
from xueshi.declarations.richtext import image_url
from xueshi.declarations.services import (
    DeclarationInput,
    attachment_add,
    declaration_save,
    inline_image_add,
)
from xueshi.orgs.models import Organization
from xueshi.plans.models import TrainingPlan
from xueshi.plans.services import TrainingInput, plan_create, plan_file, training_add
from xueshi.portal.demo_claims import PNG, _reviewer
from xueshi.review.services import declaration_approve, declaration_submit


def _role(username: str) -> RoleAssignment:
    return RoleAssignment.objects.select_related("organization", "user").get(
        user__username=username
    )


def _professional(name: str) -> tuple[Person, RoleAssignment]:
    person = Person.objects.select_related("unit", "user").get(name=name)
    role = RoleAssignment.objects.select_related("user").get(
        user=person.user, kind=RoleKind.PROFESSIONAL
    )
    return person, role


def _png(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def _pptx() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("ppt/presentation.xml", "<p:presentation/>")
    return SimpleUploadedFile("静脉输液护理经验.pptx", buffer.getvalue())


def _send(declaration: Declaration, role: RoleAssignment, *, approvals: int) -> Declaration:
    declaration = declaration_submit(declaration_id=declaration.pk, actor=role.user, role=role)
    for _ in range(approvals):
        reviewer = _reviewer(declaration)
        declaration = declaration_approve(
            declaration_id=declaration.pk, actor=reviewer.user, role=reviewer, comment="同意。"
        )
    return declaration


def load_demo_regions2() -> None:
    education = Organization.objects.filter(name="河南省教育厅").first()
    today = timezone.localdate()
    if education is None or TrainingPlan.objects.filter(organization=education).exists():
        return
    _henan(education, today)
    _anyang(today)


def _henan(education: Organization, today: datetime.date) -> None:
    department = _role("ha_jyt")
    plan = plan_create(role=department, year=today.year, actor=department.user)
    university = Organization.objects.get(name="郑州大学")
    start = min(datetime.date(today.year, 3, 2), today)
    trainings = {}
    for code, title, organizer, hours in (
        ("supervisor_training", "全省高校教师数字化教学能力提升培训", education, 24),
        ("employer_training", "郑州大学新入职教师岗前培训", university, 32),
    ):
        trainings[code] = training_add(
            plan=plan,
            data=TrainingInput(code, title, organizer.pk, start, start, Decimal(hours)),
            role=department,
            actor=department.user,
        )
    plan_file(plan=plan, role=department, actor=department.user)

    sun, sun_role = _professional("孙丽")
    planned = declaration_save(
        person=sun,
        data=DeclarationInput(
            "supervisor_training",
            "per_notice",
            {
                "credit_year": today.year,
                "planned_training": trainings["supervisor_training"].pk,
                "hours_claimed": 24,
            },
        ),
        actor=sun_role.user,
        role=sun_role,
    )
    attachment_add(declaration=planned, upload=_png("培训通知.png"), actor=sun.user, role=sun_role)
    _send(planned, sun_role, approvals=0)

    zhou, zhou_role = _professional("周强")
    credits = declaration_save(
        person=zhou,
        data=DeclarationInput(
            "publication",
            "paper",
            {"credit_year": today.year, "title": "在《软件学报》发表论文"},
            credits=Decimal(6),
        ),
        actor=zhou_role.user,
        role=zhou_role,
    )
    attachment_add(
        declaration=credits, upload=_png("论文首页.png"), actor=zhou.user, role=zhou_role
    )
    _send(credits, zhou_role, approvals=3)  # 用人单位 → 主管部门 → 人社部门: 审核通过

    zhao, zhao_role = _professional("赵磊")
    other = declaration_save(
        person=zhao,
        data=DeclarationInput(
            "other",
            "confirmed",
            {
                "credit_year": today.year,
                "title": "参加省科协组织的科技志愿服务",
                "hours_claimed": 12,
            },
        ),
        actor=zhao_role.user,
        role=zhao_role,
    )
    attachment_add(declaration=other, upload=_png("确认文件.png"), actor=zhao.user, role=zhao_role)
    _send(other, zhao_role, approvals=3)  # confirmed by 人社部门: 待备案 at the province


def _anyang(today: datetime.date) -> None:
    li, li_role = _professional("李明")
    details = {"credit_year": today.year, "description": "参加学位教育（在职硕士）", "quantity": 2}
    degree = declaration_save(
        person=li,
        data=DeclarationInput("degree_education", "course_passed", details),
        actor=li_role.user,
        role=li_role,
    )
    picture = inline_image_add(
        declaration=degree, upload=_png("成绩单.png"), actor=li.user, role=li_role
    )
    text: dict[str, Any] = {
        **details,
        "details": (
            "<p>学校：<strong>郑州大学</strong>，课程：医学统计学、循证医学，成绩均合格。</p>"
            f'<p>成绩单扫描件：</p><img src="{image_url(picture.pk)}" alt="成绩单">'
        ),
    }
    declaration_save(
        person=li,
        data=DeclarationInput("degree_education", "course_passed", text),
        actor=li_role.user,
        role=li_role,
        declaration=degree,
    )
    courseware = declaration_save(
        person=li,
        data=DeclarationInput(
            "courseware",
            "courseware_uploaded",
            {
                "credit_year": today.year,
                "description": "静脉输液护理经验小课件",
                "hours_claimed": 4,
            },
        ),
        actor=li_role.user,
        role=li_role,
    )
    attachment_add(declaration=courseware, upload=_pptx(), actor=li.user, role=li_role)
    _send(courseware, li_role, approvals=0)
