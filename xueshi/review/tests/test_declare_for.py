"""Declaring for others: a unit or supervisor for a person of its scope, a training base for
all who attended its course."""

from __future__ import annotations

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from xueshi.accounts.models import RoleKind
from xueshi.core.identifiers import mask_id_number
from xueshi.core.testing import make_id_number
from xueshi.declarations.models import Declaration, DeclarationStatus
from xueshi.declarations.tests.test_form_views import act_as, guangxi_post
from xueshi.review.models import TrailAction
from xueshi.review.selectors import current_step
from xueshi.review.tests.test_declarations_views import PNG

YEAR = timezone.localdate().year


def henan_training(**overrides):
    data = {
        "profile_key": "henan",
        "profile_version": "2014-01-01",
        "category": "base_training",
        "level": "approved_hours",
        "credit_year": str(YEAR),
        "title": "人工智能与高等教育专题培训班",
        "organizer": "河南省专业技术人员继续教育基地（郑州大学）",
        "start_date": f"{YEAR}-07-06",
        "end_date": f"{YEAR}-07-10",
        "hours_claimed": "40",
    }
    data.update(overrides)
    return data


def test_unit_admin_declares_for_a_person_and_it_enters_at_the_supervisor(client, demo):
    act_as(client, demo.role("ha_zzu"))
    person = demo.person("赵磊")
    search = client.get(reverse("declarations:declare_for"), {"q": "赵"}, HTTP_HX_REQUEST="true")
    # Listed with the masked number: the full one is not needed to choose a person.
    assert person.masked_id_number in search.content.decode()
    assert person.id_number not in search.content.decode()

    page = client.get(reverse("declarations:declare_for"), {"person": person.pk})
    html = page.content.decode()
    assert page.status_code == 200
    assert "证件号码" in html and person.masked_id_number in html
    assert "本人承诺" not in html  # the pledge is the person's own

    # 保存并提交 with no file: Henan's form "需要上传培训通知、结业证书及单位证明材料".
    response = client.post(
        reverse("declarations:declare_for"),
        {**henan_training(), "person": str(person.pk), "action": "submit"},
    )
    declaration = Declaration.objects.get()
    assert declaration.status == DeclarationStatus.DRAFT
    assert response.url == reverse("declarations:edit", args=[declaration.pk])
    upload = SimpleUploadedFile("结业证书.png", PNG, content_type="image/png")
    client.post(reverse("declarations:attachment_upload", args=[declaration.pk]), {"files": upload})
    response = client.post(
        reverse("declarations:edit", args=[declaration.pk]),
        {**henan_training(), "action": "submit"},
    )
    assert response.status_code == 302
    assert response.url == reverse("declarations:list")
    declaration.refresh_from_db()
    assert declaration.person == person
    assert declaration.registered_by_organization == demo.organization("郑州大学")
    assert declaration.status == DeclarationStatus.PENDING
    assert current_step(declaration).organization == demo.organization("河南省教育厅")
    assert declaration.trail.get().action == TrailAction.DECLARE_FOR


def test_unit_admin_may_save_a_draft_for_the_person_and_edit_it(client, demo):
    act_as(client, demo.role("ha_zzu"))
    person = demo.person("孙丽")
    response = client.post(
        reverse("declarations:declare_for"),
        {**henan_training(), "person": str(person.pk), "action": "save"},
    )
    declaration = Declaration.objects.get()
    assert response.url == reverse("declarations:edit", args=[declaration.pk])
    page = client.get(response.url).content.decode()
    assert person.masked_id_number in page and "修改代为申报" in page


def test_guangxi_department_admin_only_declares_within_the_department(client, demo):
    act_as(client, demo.role(demo.person("黄伟").id_number, kind=RoleKind.DEPARTMENT_ADMIN))
    inside, outside = demo.person("覃海燕"), demo.person("蒙丽")
    listing = client.get(reverse("declarations:declare_for")).content.decode()
    assert inside.name in listing and outside.name not in listing

    url = reverse("declarations:declare_for")
    assert client.get(url, {"person": outside.pk}).status_code == 404
    post = guangxi_post(person=str(outside.pk), pledge=None)
    assert client.post(reverse("declarations:declare_for"), post).status_code == 404
    assert not Declaration.objects.exists()

    post = guangxi_post(person=str(inside.pk), pledge=None, action="submit")
    response = client.post(reverse("declarations:declare_for"), post)
    assert response.status_code == 302
    declaration = Declaration.objects.get()
    # Guangxi: a claim the unit registered skips its own review and waits for 专业科目学时终审.
    assert declaration.status == DeclarationStatus.PENDING
    assert current_step(declaration).organization == demo.organization("广西壮族自治区教育厅")


def test_declaring_for_others_is_refused_where_the_region_does_not_allow_it(client, demo):
    act_as(client, demo.role("ay_yiyuan"))
    assert client.get(reverse("declarations:declare_for")).status_code == 403


def test_training_base_declares_for_three_attendees_and_reports_an_unknown_id(client, demo):
    act_as(client, demo.role("ha_jidi"))
    page = client.get(reverse("declarations:training_base_declare"))
    assert "参训人员证件号码" in page.content.decode()

    attendees = [demo.person(name).id_number for name in ("赵磊", "孙丽", "周强")]
    unknown = make_id_number("410105", datetime.date(1990, 3, 3), 321)
    response = client.post(
        reverse("declarations:training_base_declare"),
        {**henan_training(), "attendees": "\n".join([*attendees, unknown, "12345"])},
        follow=True,
    )
    html = response.content.decode()
    assert response.status_code == 200
    claims = Declaration.objects.filter(registered_by_organization__name__contains="继续教育基地")
    assert claims.count() == 3
    assert set(claims.values_list("status", flat=True)) == {DeclarationStatus.PENDING}
    assert sorted(claims.values_list("person__id_number", flat=True)) == sorted(attendees)
    # The result lists the typed numbers masked, with one neutral reason for unknown people.
    assert mask_id_number(unknown) in html
    assert "未找到可由本基地申报的专业技术人员" in html
    assert "身份证号应为 18 位" in html
    assert "成功 3 人" in html
    # Reloading after the redirect shows an empty form and declares nobody again.
    again = client.get(reverse("declarations:training_base_declare")).content.decode()
    assert "成功 3 人" not in again
    assert claims.count() == 3


def test_training_base_learns_nothing_about_people_of_other_regions(client, demo):
    """A Guangxi person's ID number gets the same answer as an unknown one, and no name."""
    act_as(client, demo.role("ha_jidi"))
    stranger = demo.person("覃海燕")
    response = client.post(
        reverse("declarations:training_base_declare"),
        {**henan_training(), "attendees": stranger.id_number},
        follow=True,
    )
    html = response.content.decode()
    assert "未找到可由本基地申报的专业技术人员" in html
    assert stranger.name not in html
    assert not Declaration.objects.filter(person=stranger).exists()


def test_training_base_course_errors_are_shown_before_anyone_is_declared(client, demo):
    act_as(client, demo.role("ha_jidi"))
    attendees = demo.person("赵磊").id_number
    response = client.post(
        reverse("declarations:training_base_declare"),
        {**henan_training(hours_claimed="1000"), "attendees": attendees},
    )
    html = response.content.decode()
    assert "申报学时最多 3 位数" in html  # no invented 60 cap any more (issue 13 item 7)
    assert not Declaration.objects.exists()
