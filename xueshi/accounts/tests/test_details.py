"""Person details (issue 13 item 11, Xinjiang seed 004): 一寸照, 民族, 文化程度, 学位, 紧急联系电话,
and 申报区域 / 认定专业 chosen from the profile's lists on 我的信息."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from xueshi.accounts.details import check_photo, person_choose_track, person_update_details
from xueshi.accounts.roles import ACTIVE_ROLE_SESSION_KEY

pytestmark = pytest.mark.django_db


def jpeg(size: tuple[int, int] = (295, 413)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 220, 240)).save(buffer, "JPEG")
    return SimpleUploadedFile("一寸照.jpg", buffer.getvalue(), content_type="image/jpeg")


def act_as(client, role):
    client.force_login(role.user)
    session = client.session
    session[ACTIVE_ROLE_SESSION_KEY] = role.pk
    session.save()


def test_the_photo_is_checked_by_content_and_size():
    assert check_photo(jpeg()) == "jpg"
    renamed = SimpleUploadedFile("照片.jpg", b"%PDF-1.4\n" + b"0" * 100)
    with pytest.raises(ValidationError) as not_image:
        check_photo(renamed)
    assert "一寸照只能上传 jpg、png 文件" in str(not_image.value.message_dict["photo"])
    big = SimpleUploadedFile("大.jpg", b"\xff\xd8\xff" + b"0" * (3 * 1024 * 1024))
    with pytest.raises(ValidationError) as too_big:
        check_photo(big)
    assert "不能超过 2 MB" in str(too_big.value.message_dict["photo"])


def test_details_come_from_lists(demo):
    person = demo.person("石磊")
    with pytest.raises(ValidationError) as refused:
        person_update_details(
            person=person, ethnicity="火星族", education="phd", degree="x", emergency_phone="12"
        )
    assert set(refused.value.message_dict) == {
        "ethnicity",
        "education",
        "degree",
        "emergency_phone",
    }
    changed = person_update_details(
        person=person,
        ethnicity="回族",
        education="master",
        degree="master",
        emergency_phone="13899110009",
    )
    assert set(changed) == {"ethnicity", "education", "degree", "emergency_phone"}


def test_region_and_track_from_the_profile_not_free_text(demo):
    """ "申报区域分自治区和地州市级，自治区认定高级及正高，地州市级认定初、中级"."""
    person = demo.person("石磊")
    with pytest.raises(ValidationError):
        person_choose_track(person=person, region_code="urumqi", specialty="数学老师")
    notice = person_choose_track(
        person=person, region_code="autonomous_region", specialty="教师系列/中小学教师/一级教师"
    )
    assert "只认定正高、副高职称" in notice
    person.refresh_from_db()
    assert (person.declaring_region, person.specialty) == ("autonomous_region", "")
    person_choose_track(
        person=person, region_code="urumqi", specialty="教师系列/中小学教师/一级教师"
    )
    person.refresh_from_db()
    assert (person.specialty, person.title_grade) == ("教师系列/中小学教师/一级教师", "中级")


def test_my_info_edits_the_details_and_keeps_input_on_error(client, demo):
    role = demo.professional("石磊")
    act_as(client, role)
    page = client.get(reverse("accounts:my_info")).content.decode()
    for word in ("一寸照", "民族", "文化程度", "学位", "紧急联系电话", "申报区域", "认定专业"):
        assert word in page
    response = client.post(
        reverse("accounts:my_info"),
        {
            "form": "details",
            "ethnicity": "汉族",
            "education": "bachelor",
            "degree": "bachelor",
            "emergency_phone": "123",
            "declaring_region": "urumqi",
            "specialty": "教师系列/中小学教师/一级教师",
        },
    )
    assert response.status_code == 400
    assert 'value="123"' in response.content.decode()
    response = client.post(
        reverse("accounts:my_info"),
        {
            "form": "details",
            "ethnicity": "回族",
            "education": "master",
            "degree": "master",
            "emergency_phone": "13899110009",
            "declaring_region": "urumqi",
            "specialty": "教师系列/中小学教师/一级教师",
            "photo": jpeg(),
        },
    )
    assert response.status_code == 302
    person = demo.person("石磊")
    assert (person.ethnicity, person.education, person.emergency_phone) == (
        "回族",
        "master",
        "13899110009",
    )
    assert person.photo
    assert client.get(reverse("accounts:my_photo")).status_code == 200


def test_other_regions_show_no_region_choice(client, demo):
    act_as(client, demo.professional("李明"))
    page = client.get(reverse("accounts:my_info")).content.decode()
    assert "一寸照" in page and "申报区域" not in page
