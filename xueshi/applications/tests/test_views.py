"""The application's pages: wizard, entries kept on bad input, submit, 办理, lists, scope, menu."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from xueshi.accounts.models import RoleAssignment
from xueshi.accounts.services import person_create
from xueshi.applications import selectors, services
from xueshi.applications.models import Application, ApplicationStatus
from xueshi.core.testing import make_id_number
from xueshi.ledger.models import LedgerEntry
from xueshi.portal.menu import menu_for

from .helpers import YEAR, act_as, entry, pdf, prepared, with_hours

pytestmark = pytest.mark.django_db


def labels(role):
    return [item.label for section in menu_for(role) for item in section.items]


def test_xinjiang_menu_shows_the_application_instead_of_declaring(demo):
    """Seed 004: the person goes to 学员申请 (专业课学时认定), not a claim per activity."""
    xinjiang = labels(demo.professional("阿依古丽"))
    assert "学时认定申请" in xinjiang and "学时登记" not in xinjiang
    anyang = labels(demo.professional("李明"))
    assert "学时登记" in anyang and "学时认定申请" not in anyang
    assert "申请书审核" in labels(demo.role("xj_xju"))
    assert "申请书审核" not in labels(demo.role("ay_yiyuan"))


def test_a_single_activity_cannot_be_declared_in_xinjiang(client, demo):
    """ "第3项至第11项无需逐项填写，只要填写学时累计达到认定课时数 60 即可": a single 40-hour
    activity is not certified alone."""
    act_as(client, demo.professional("石磊"))
    response = client.post(
        reverse("declarations:create"),
        {
            "profile_key": "xinjiang",
            "category": "advanced_study",
            "level": "as_claimed",
            "title": "现代信息通信技术与数字领域融合发展",
            "organizer": "新疆维吾尔自治区通信管理局",
            "project_type": "高级研修项目",
            "start_date": f"{YEAR}-01-05",
            "end_date": f"{YEAR}-01-07",
            "hours_claimed": "40",
        },
    )
    assert "本地区专业科目学时通过《学时认定申请书》认定" in response.content.decode()
    assert not LedgerEntry.objects.exists()


def test_the_wizard_saves_each_step_and_resumes(client, demo):
    role = act_as(client, demo.professional("阿依古丽"))
    response = client.post(reverse("applications:start"))
    application = Application.objects.get(person__user=role.user)
    assert response.url == reverse("applications:wizard", args=[application.pk, 1])
    page = client.get(response.url).content.decode()
    for word in ("我的信息", "选择认定专业", "认定单位", "填报年度", "填报日期", "下一步", "关闭"):
        assert word in page
    response = client.post(response.url, {"declaring_region": "autonomous_region"})
    assert response.url == reverse("applications:wizard", args=[application.pk, 2])
    # Left and come back: 新增学时认定 opens the next unsaved step.
    response = client.post(reverse("applications:start"))
    assert response.url == reverse("applications:wizard", args=[application.pk, 2])
    page = client.get(response.url).content.decode()
    assert "教授（正高）" in page and "讲师（中级）" not in page and "上一步" in page
    response = client.post(
        response.url,
        {
            "series": "教师系列",
            "discipline": "教师系列/高校教师",
            "grade": "教师系列/高校教师/教授",
        },
    )
    assert response.url == reverse("applications:wizard", args=[application.pk, 3])
    page = client.get(response.url).content.decode()
    assert "新疆维吾尔自治区教育厅" in page
    certifier = demo.organization("新疆维吾尔自治区教育厅")
    response = client.post(response.url, {"certifier": certifier.pk})
    assert response.url == reverse("applications:detail", args=[application.pk])
    page = client.get(response.url).content.decode()
    for word in ("1、基本信息", "2、请学习相关文件", "3、高级研修项目、进修项目", "累计60学时"):
        assert word in page


def test_a_grade_of_another_region_is_refused_at_the_field(client, demo):
    application, role = prepared(demo)
    act_as(client, role)
    response = client.post(
        reverse("applications:wizard", args=[application.pk, 2]),
        {
            "series": "教师系列",
            "discipline": "教师系列/高校教师",
            "grade": "教师系列/高校教师/讲师",
        },
    )
    assert response.status_code == 400
    assert "所选等级不在该申报区域的认定范围内" in response.content.decode()


def test_bad_entry_is_refused_with_field_messages_and_the_rest_kept(client, demo):
    """ "申请学时 2/3": 4-digit hours, and an end before the start, are refused at the field."""
    application, role = prepared(demo)
    act_as(client, role)
    response = client.post(
        reverse("applications:entry_new", args=[application.pk, "advanced_study"]),
        {
            "title": "现代信息通信技术与数字领域融合发展",
            "organizer": "新疆维吾尔自治区通信管理局",
            "activity_type": "高级研修项目",
            "start_date": f"{YEAR}-06-07",
            "end_date": f"{YEAR}-06-01",
            "hours": "1000",
        },
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "申请学时最多 3 位数" in page
    assert "项目结束时间不能早于开始时间" in page
    assert 'value="现代信息通信技术与数字领域融合发展"' in page  # nothing typed is lost
    assert 'value="新疆维吾尔自治区通信管理局"' in page
    assert not application.entries.exists()


def test_upload_refusals_are_shown_in_chinese(client, demo):
    application, role = with_hours(demo, [("advanced_study", 40)])
    act_as(client, role)
    entry = application.entries.get()
    url = reverse("applications:evidence_upload", args=[application.pk, entry.pk])
    docx = SimpleUploadedFile("证书.pdf", b"PK\x03\x04" + b"\x00" * 100)
    response = client.post(url, {"file_kind": "佐证材料", "file": docx}, follow=True)
    assert "只能上传 jpg、pdf 文件" in response.content.decode()
    big = pdf("大.pdf", 6 * 1024 * 1024)
    response = client.post(url, {"file_kind": "佐证材料", "file": big}, follow=True)
    assert "不能超过 5 MB" in response.content.decode()
    assert entry.evidence.count() == 1


def test_submit_page_says_how_many_hours_are_missing(client, demo):
    application, role = with_hours(demo, [("advanced_study", 40)])
    act_as(client, role)
    response = client.post(reverse("applications:submit", args=[application.pk]), follow=True)
    assert "还差 20 学时" in response.content.decode()
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.DRAFT


def test_two_level_review_through_the_pages(client, demo):
    application, role = with_hours(demo, [("advanced_study", 40), ("lectures", 20)])
    services.application_submit(application_id=application.pk, actor=role.user, role=role)
    unit = act_as(client, demo.role("xj_xju"))
    queue = client.get(reverse("applications:queue")).content.decode()
    assert application.number in queue
    page = client.get(reverse("applications:detail", args=[application.pk])).content.decode()
    for word in ("办理", "同意", "退回", "选择提交单位", "推荐意见", "民族", "文化程度", "学位",
                 "紧急联系电话", "维吾尔族", "一寸照"):  # fmt: skip
        assert word in page, word
    counts = selectors.year_counts(unit, YEAR)
    assert (counts.total, counts.reviewed, counts.waiting) == (1, 0, 1)
    certifier = demo.organization("新疆维吾尔自治区教育厅")
    response = client.post(
        reverse("applications:review", args=[application.pk]),
        {"verdict": "approve", "forward_to": "", "comment": "", "position": 0},
    )
    assert response.status_code == 400
    assert "请选择提交单位" in response.content.decode()
    response = client.post(
        reverse("applications:review", args=[application.pk]),
        {"verdict": "approve", "forward_to": certifier.pk, "comment": "同意推荐。", "position": 0},
    )
    assert response.status_code == 302
    counts = selectors.year_counts(unit, YEAR)
    assert (counts.total, counts.reviewed, counts.waiting) == (1, 1, 0)
    act_as(client, demo.role("xj_jyt"))
    response = client.post(
        reverse("applications:review", args=[application.pk]),
        {"verdict": "approve", "comment": "同意认定。", "position": 1},
    )
    assert response.status_code == 302
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.APPROVED
    assert LedgerEntry.objects.count() == 2
    # A stale second tab posting the same verdict changes nothing.
    response = client.post(
        reverse("applications:review", args=[application.pk]),
        {"verdict": "approve", "comment": "同意认定。", "position": 1},
        follow=True,
    )
    assert LedgerEntry.objects.count() == 2


def test_another_units_admin_gets_404(client, demo):
    application, role = with_hours(demo, [("advanced_study", 40), ("lectures", 20)])
    services.application_submit(application_id=application.pk, actor=role.user, role=role)
    act_as(client, demo.role("xj_wlmqyz"))
    assert client.get(reverse("applications:detail", args=[application.pk])).status_code == 404
    act_as(client, demo.professional("石磊"))
    assert client.get(reverse("applications:detail", args=[application.pk])).status_code == 404


def test_lists_default_to_this_year_and_search(client, demo):
    application, role = prepared(demo)
    act_as(client, role)
    page = client.get(reverse("applications:mine")).content.decode()
    for word in ("序号", "编号", "填报年度", "认定年度", "申报区域", "认定专业", "姓名", "操作",
                 "搜索", "重置", application.number):  # fmt: skip
        assert word in page, word
    page = client.get(reverse("applications:mine"), {"credit_year": YEAR - 1}).content.decode()
    assert application.number not in page and "暂无数据" in page


def _submitted_for(person):
    role = RoleAssignment.objects.select_related("user").get(user=person.user, kind="professional")
    application = services.application_start(person=person, role=role)
    services.application_save_info(
        application=application, role=role, region_code="autonomous_region"
    )
    services.application_save_track(
        application=application, role=role, specialty="教师系列/高校教师/教授"
    )
    certifier = services.certifier_offer(application).organizations[0]
    services.application_save_certifier(
        application=application, role=role, certifier_id=certifier.pk
    )
    for section, hours in (("advanced_study", 40), ("lectures", 20)):
        saved = services.entry_save(application=application, role=role, data=entry(section, hours))
        services.evidence_add(entry=saved, role=role, upload=pdf())
    services.application_submit(application_id=application.pk, actor=role.user, role=role)
    return application


def _colleagues(demo, count, start=0):
    unit = demo.organization("新疆大学")
    return [
        person_create(
            id_number=make_id_number("650102", datetime.date(1990, 1, 1 + n), 100 + n),
            name=f"测试{n}",
            unit=unit,
            specialty="教师系列/高校教师/教授",
            title_grade="正高",
        )
        for n in range(start, start + count)
    ]


def test_the_queue_and_the_persons_list_do_not_grow_queries_with_rows(client, demo):
    """Paginated lists: the same queries for 1 row as for 6."""
    _submitted_for(_colleagues(demo, 1)[0])
    act_as(client, demo.role("xj_xju"))
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("applications:queue")).status_code == 200
    for person in _colleagues(demo, 5, start=1):
        _submitted_for(person)
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("applications:queue")).content.decode()
    assert page.count("详情 / 信息审核") == 6
    assert len(many) == len(few)

    person = _colleagues(demo, 1, start=10)[0]
    application = _submitted_for(person)
    person.user.must_change_password = False
    person.user.save(update_fields=["must_change_password"])
    act_as(client, RoleAssignment.objects.get(user=person.user, kind="professional"))
    with CaptureQueriesContext(connection) as one:
        assert application.number in client.get(reverse("applications:mine")).content.decode()
    assert len(one) < 20
