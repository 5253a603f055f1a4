"""The yearly application (学时认定申请书, issue 14) by its services, quoting seed 004."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from xueshi.accounts.details import track_choices
from xueshi.accounts.models import RoleAssignment
from xueshi.accounts.services import person_create, role_grant
from xueshi.accounts.tests.factories import organization_account
from xueshi.applications import services
from xueshi.applications.models import (
    Application,
    ApplicationStatus,
    ApplicationTrail,
    EntryEvidence,
)
from xueshi.applications.selectors import forward_options
from xueshi.core.models import AuditLog
from xueshi.core.testing import make_id_number
from xueshi.declarations.services import AlreadyHandled
from xueshi.ledger.models import EntrySource, LedgerEntry
from xueshi.ledger.selectors import year_compliance, year_records
from xueshi.ledger.services import AlreadyRecorded, ledger_record_source
from xueshi.notifications.models import Notification
from xueshi.orgs.services import organization_create
from xueshi.policy.resolver import resolve_version
from xueshi.review.lifecycle import OwnClaim

from .helpers import YEAR, entry, pdf, prepared, with_hours

pytestmark = pytest.mark.django_db


def version():
    return resolve_version("xinjiang", datetime.date(YEAR, 1, 1))


# --- 申报区域 and 认定专业 -----------------------------------------------------------------------


def test_region_decides_the_grades_offered():
    """ "申报区域分自治区和地州市级，自治区认定高级及正高，地州市级认定初、中级"."""
    autonomous = track_choices(version(), "autonomous_region")
    prefecture = track_choices(version(), "urumqi")
    assert {choice.rank for choice in autonomous} == {"正高", "副高"}
    assert {choice.rank for choice in prefecture} == {"中级", "初级"}
    assert "教师系列/高校教师/教授" in {choice.value for choice in autonomous}
    assert "教师系列/高校教师/教授" not in {choice.value for choice in prefecture}
    assert "教师系列/高校教师/讲师" in {choice.value for choice in prefecture}


def test_changing_the_region_clears_a_grade_it_does_not_offer_and_says_why(demo):
    application, role = prepared(demo)
    assert application.specialty == "教师系列/高校教师/教授"
    notice = services.application_save_info(
        application=application, role=role, region_code="urumqi"
    )
    assert "只认定中级、初级职称" in notice and "已清空" in notice
    application.refresh_from_db()
    person = demo.person("阿依古丽")
    assert (application.specialty, application.certifier_id) == ("", None)
    assert (person.specialty, person.declaring_region) == ("", "urumqi")


def test_a_grade_the_region_does_not_certify_is_refused_in_step_two(demo):
    application, role = prepared(demo)
    with pytest.raises(ValidationError) as refused:
        services.application_save_track(
            application=application, role=role, specialty="教师系列/高校教师/讲师"
        )
    assert "请选择申报区域认定的专业和等级" in str(refused.value)


def test_step_three_offers_the_profiles_certifier_or_says_whom_to_contact(demo):
    """ "认定单位…新疆维吾尔自治区教育厅"; "如果您选择的申报区域是各地州，认定单位没有选择项时，
    请联系地州人社局"."""
    application, _role = prepared(demo)
    offer = services.certifier_offer(application)
    assert [org.name for org in offer.organizations] == ["新疆维吾尔自治区教育厅"]
    application.declaring_region = "kashgar"
    application.declaring_region_name = "喀什地区"
    application.specialty = "教师系列/中小学教师/一级教师"
    offer = services.certifier_offer(application)
    assert offer.organizations == []
    assert offer.contact == "如果您选择的申报区域是各地州，认定单位没有选择项时，请联系地州人社局。"


def test_the_number_is_sq_date_and_a_sequence(demo):
    application, _role = prepared(demo)
    today = application.filed_on
    assert application.number == f"SQ{today:%Y%m%d}000001"
    assert services.next_number("SQ", today) == f"SQ{today:%Y%m%d}000002"
    assert (application.filing_year, application.credit_year) == (today.year, today.year)


def test_one_application_per_person_and_year(demo):
    application, role = prepared(demo)
    again = services.application_start(person=demo.person("阿依古丽"), role=role)
    assert again.pk == application.pk


def test_only_a_profile_with_yearly_applications_starts_one(demo):
    with pytest.raises(PermissionDenied):
        services.application_start(person=demo.person("李明"), role=demo.professional("李明"))


# --- entries, evidence, totals -----------------------------------------------------------------


def test_entry_bad_input_is_refused_by_field_in_chinese(demo):
    """Hours "最多 3 位" ("2/3"), titles ≤ 200 ("17/200"), end not before start."""
    application, role = prepared(demo)
    data = services.EntryInput(
        "advanced_study",
        "标" * 201,
        "",
        "讲座",
        datetime.date(YEAR, 6, 7),
        datetime.date(YEAR, 6, 1),
        "1000",
    )
    with pytest.raises(ValidationError) as refused:
        services.entry_save(application=application, role=role, data=data)
    errors = refused.value.message_dict
    assert errors["hours"] == ["申请学时最多 3 位数（不超过 999）。"]
    assert errors["end_date"] == ["项目结束时间不能早于开始时间。"]
    assert errors["title"] == ["项目标题不能超过 200 个字（现 201 个）。"]
    assert errors["organizer"] == ["请填写组织单位。"]
    assert errors["activity_type"] == ["请选择项目类型。"]
    assert not application.entries.exists()


def test_section_subtotals_and_total(demo):
    application, _role = with_hours(
        demo, [("advanced_study", 40), ("lectures", 20), ("advanced_study", 5)]
    )
    totals = {t.code: t.hours for t in services.section_totals(application, version())}
    assert totals["advanced_study"] == 45
    assert totals["lectures"] == 20
    assert totals["practice"] == 0
    assert len(totals) == 9  # items 3–11
    assert services.application_total(application) == 65


def test_evidence_jpg_or_pdf_at_most_5_mb_checked_by_content(demo):
    """ "附件上传只接收大小不超“5MB”，文件类型为“jpg 或 pdf”格式的文件"."""
    application, role = prepared(demo)
    saved = services.entry_save(application=application, role=role, data=entry())
    with pytest.raises(ValidationError) as too_big:
        services.evidence_add(entry=saved, role=role, upload=pdf("大.pdf", 6 * 1024 * 1024))
    assert "不能超过 5 MB" in str(too_big.value.message_dict["file"])
    docx = SimpleUploadedFile("证书.pdf", b"PK\x03\x04" + b"\x00" * 200)
    with pytest.raises(ValidationError) as renamed:
        services.evidence_add(entry=saved, role=role, upload=docx)
    assert "只能上传 jpg、pdf 文件" in str(renamed.value.message_dict["file"])
    assert not EntryEvidence.objects.exists()


def test_evidence_order_minus_plus_and_insert_at_a_position(demo):
    """ "顺序号指所要上传附件的数字序号"."""
    application, role = prepared(demo)
    saved = services.entry_save(application=application, role=role, data=entry())
    first = services.evidence_add(entry=saved, role=role, upload=pdf("一.pdf"))
    second = services.evidence_add(entry=saved, role=role, upload=pdf("二.pdf"))
    third = services.evidence_add(entry=saved, role=role, upload=pdf("三.pdf"), position=1)

    def order():
        return list(saved.evidence.order_by("position").values_list("original_name", flat=True))

    assert order() == ["三.pdf", "一.pdf", "二.pdf"]
    services.evidence_move(evidence=second, role=role, by=-1)
    assert order() == ["三.pdf", "二.pdf", "一.pdf"]
    services.evidence_move(evidence=third, role=role, by=-1)  # already first: stays
    assert order() == ["三.pdf", "二.pdf", "一.pdf"]
    services.evidence_delete(evidence=first, role=role)
    assert list(saved.evidence.values_list("position", flat=True)) == [1, 2]


# --- submit and the threshold ------------------------------------------------------------------


def test_forty_hours_cannot_be_submitted_and_says_20_short(demo):
    """ "只要填写学时累计达到认定课时数 60 即可" … 提交审核: a single 40-hour activity is not
    enough."""
    application, role = with_hours(demo, [("advanced_study", 40)])
    with pytest.raises(ValidationError) as refused:
        services.application_submit(application_id=application.pk, actor=role.user, role=role)
    assert "还差 20 学时" in str(refused.value)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT


def test_sixty_hours_can_be_submitted_to_the_unit(demo):
    application, role = with_hours(demo, [("advanced_study", 40), ("lectures", 20)])
    submitted = services.application_submit(
        application_id=application.pk, actor=role.user, role=role
    )
    assert submitted.status == ApplicationStatus.PENDING
    steps = [(s.level_name, s.organization.name) for s in submitted.steps.all()]
    assert steps == [("单位审核", "新疆大学"), ("认定单位", "新疆维吾尔自治区教育厅")]


def test_an_entry_without_evidence_cannot_be_submitted(demo):
    application, role = with_hours(demo, [("advanced_study", 40)])
    services.entry_save(application=application, role=role, data=entry("lectures", 20))
    with pytest.raises(ValidationError) as refused:
        services.application_submit(application_id=application.pk, actor=role.user, role=role)
    assert "尚未上传佐证材料" in str(refused.value)


def test_a_submitted_application_cannot_be_edited(demo):
    application, role = with_hours(demo, [("advanced_study", 40), ("lectures", 20)])
    services.application_submit(application_id=application.pk, actor=role.user, role=role)
    with pytest.raises(AlreadyHandled):
        services.entry_save(application=application, role=role, data=entry("practice", 5))


# --- routed review -----------------------------------------------------------------------------


def submitted(demo):
    application, role = with_hours(demo, [("advanced_study", 40), ("lectures", 20)])
    services.application_submit(application_id=application.pk, actor=role.user, role=role)
    return application, role


def test_agree_with_next_unit_and_recommendation_then_final_approval_ledger_grows_once(demo):
    """ "点击“同意”…选择提交单位…推荐意见", then the 认定单位's verdict: 60 hours enter 认定年度."""
    application, _role = submitted(demo)
    unit = demo.role("xj_xju")
    with pytest.raises(ValidationError) as missing:
        services.application_agree(
            application_id=application.pk, actor=unit.user, role=unit, comment=""
        )
    assert set(missing.value.message_dict) == {"comment", "forward_to"}
    certifier = demo.organization("新疆维吾尔自治区教育厅")
    services.application_agree(
        application_id=application.pk,
        actor=unit.user,
        role=unit,
        comment="材料齐全，同意推荐。",
        forward_to=certifier,
    )
    application.refresh_from_db()
    assert (application.status, application.current_position) == ("pending", 1)
    assert not LedgerEntry.objects.exists()

    education = demo.role("xj_jyt")
    services.application_agree(
        application_id=application.pk, actor=education.user, role=education, comment="同意认定。"
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    assert application.hours_granted == 60
    entries = LedgerEntry.objects.filter(source=EntrySource.APPLICATION)
    assert sorted(entries.values_list("category_code", "hours")) == [
        ("advanced_study", Decimal(40)),
        ("lectures", Decimal(20)),
    ]
    assert set(entries.values_list("credit_year", flat=True)) == {YEAR}
    person = demo.person("阿依古丽")
    assert year_compliance(person, YEAR).professional_hours == 60
    assert any(r.title == application.title for r in year_records(person, YEAR))

    # A second approval of the same application is impossible, by the lifecycle and the ledger.
    with pytest.raises(AlreadyHandled):
        services.application_agree(
            application_id=application.pk, actor=education.user, role=education, comment="再次"
        )
    with pytest.raises(AlreadyRecorded):
        ledger_record_source(
            person_id=person.pk,
            credit_year=YEAR,
            source_ref=f"application:{application.pk}",
            label="x",
            hours_by_category={"advanced_study": Decimal(40)},
        )
    assert LedgerEntry.objects.count() == 2
    words = list(
        ApplicationTrail.objects.filter(application=application).values_list(
            "action", "organization__name", "forwarded_to__name", "comment"
        )
    )
    assert words == [
        ("submit", "新疆大学", None, "提交至新疆大学（单位审核）"),
        ("approve", "新疆大学", "新疆维吾尔自治区教育厅", "材料齐全，同意推荐。"),
        ("approve", "新疆维吾尔自治区教育厅", None, "同意认定。"),
    ]
    actions = set(
        AuditLog.objects.filter(target_type="applications.application").values_list(
            "action", flat=True
        )
    )
    assert {"application.submit", "application.approve"} <= actions


def test_forwarding_to_a_supervisor_adds_a_level_before_the_certifier(demo):
    """ "选择提交单位": the profile lets a unit send to a supervisor above it, which then does the
    same ("同意 … 选择提交单位") until the 认定单位 decides."""
    prefecture = demo.organization("乌鲁木齐市人力资源和社会保障局")
    bureau = organization_create(
        kind="supervisor", name="乌鲁木齐市教育局", region_code="650100", parent=prefecture
    )
    school = organization_create(
        kind="unit", name="乌鲁木齐市第八中学", region_code="650102", parent=bureau
    )
    teacher = person_create(
        id_number=make_id_number("650102", datetime.date(1990, 3, 1), 7, female=True),
        name="马丽",
        unit=school,
        specialty="教师系列/中小学教师/高级教师",
        title_grade="副高",
    )
    school_admin = role_grant(
        user=organization_account(username="xj_8zhong", organization=school),
        kind="unit_admin",
        organization=school,
    )
    bureau_admin = role_grant(
        user=organization_account(username="xj_jyj", organization=bureau),
        kind="supervisor_admin",
        organization=bureau,
    )
    role = RoleAssignment.objects.get(user=teacher.user, kind="professional")
    application = services.application_start(person=teacher, role=role)
    services.application_save_info(
        application=application, role=role, region_code="autonomous_region"
    )
    services.application_save_track(
        application=application, role=role, specialty="教师系列/中小学教师/高级教师"
    )
    certifier = demo.organization("新疆维吾尔自治区教育厅")
    services.application_save_certifier(
        application=application, role=role, certifier_id=certifier.pk
    )
    for section, hours in (("advanced_study", 40), ("lectures", 30)):
        saved = services.entry_save(application=application, role=role, data=entry(section, hours))
        services.evidence_add(entry=saved, role=role, upload=pdf())
    services.application_submit(application_id=application.pk, actor=role.user, role=role)
    application.refresh_from_db()

    step = application.steps.get(position=0)
    assert [org.name for org in forward_options(application, step)] == [
        "乌鲁木齐市教育局",
        "新疆维吾尔自治区教育厅",
    ]
    services.application_agree(
        application_id=application.pk,
        actor=school_admin.user,
        role=school_admin,
        comment="同意推荐。",
        forward_to=bureau,
    )
    chain = list(application.steps.values_list("position", "organization__name"))
    assert chain == [
        (0, "乌鲁木齐市第八中学"),
        (1, "乌鲁木齐市教育局"),
        (2, "新疆维吾尔自治区教育厅"),
    ]
    services.application_agree(
        application_id=application.pk,
        actor=bureau_admin.user,
        role=bureau_admin,
        comment="同意，报送认定单位。",
        forward_to=certifier,
    )
    education = demo.role("xj_jyt")
    services.application_agree(
        application_id=application.pk, actor=education.user, role=education, comment="同意认定。"
    )
    assert year_compliance(teacher, YEAR).professional_hours == 70


def test_only_an_offered_organisation_may_be_chosen(demo):
    application, _role = submitted(demo)
    unit = demo.role("xj_xju")
    with pytest.raises(ValidationError) as refused:
        services.application_agree(
            application_id=application.pk,
            actor=unit.user,
            role=unit,
            comment="同意。",
            forward_to=demo.organization("乌鲁木齐市人力资源和社会保障局"),
        )
    assert refused.value.message_dict == {"forward_to": ["请选择提交单位。"]}


@pytest.mark.django_db(transaction=True)
def test_return_with_reason_then_mend_and_resubmit(demo):
    """ "反之点击“退回”，再点击“确认”": the person mends it and submits again."""
    application, role = submitted(demo)
    unit = demo.role("xj_xju")
    with pytest.raises(ValidationError):
        services.application_return(
            application_id=application.pk, actor=unit.user, role=unit, reason=" "
        )
    services.application_return(
        application_id=application.pk,
        actor=unit.user,
        role=unit,
        reason="佐证材料不清晰，请补充结业证书。",
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.RETURNED
    assert Notification.objects.filter(
        recipient=role.user, message__contains="佐证材料不清晰，请补充结业证书"
    ).exists()
    saved = services.entry_save(application=application, role=role, data=entry("practice", 10))
    services.evidence_add(entry=saved, role=role, upload=pdf())
    services.application_submit(application_id=application.pk, actor=role.user, role=role)
    application.refresh_from_db()
    assert (application.status, application.current_position) == ("pending", 0)
    assert list(application.trail.values_list("action", flat=True)) == [
        "submit",
        "return",
        "submit",
    ]


def test_nobody_reviews_their_own_application(demo):
    application, role = submitted(demo)
    own_admin = role_grant(
        user=role.user, kind="unit_admin", organization=demo.organization("新疆大学")
    )
    with pytest.raises(OwnClaim):
        services.application_agree(
            application_id=application.pk,
            actor=role.user,
            role=own_admin,
            comment="同意。",
            forward_to=demo.organization("新疆维吾尔自治区教育厅"),
        )


def test_another_unit_may_not_review(demo):
    application, _role = submitted(demo)
    other = demo.role("xj_wlmqyz")
    with pytest.raises(PermissionDenied):
        services.application_return(
            application_id=application.pk, actor=other.user, role=other, reason="不是本单位"
        )


def test_the_certifier_waits_for_the_unit(demo):
    application, _role = submitted(demo)
    education = demo.role("xj_jyt")
    with pytest.raises(AlreadyHandled):
        services.application_agree(
            application_id=application.pk, actor=education.user, role=education, comment="同意"
        )
    assert Application.objects.get(pk=application.pk).current_position == 0
