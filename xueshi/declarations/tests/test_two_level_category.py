"""Issue 13 item 8, Guangxi: the category in two linked selects.

Seed 002 (新登记培训): “认定类型: 请选择类型 请选择二级类型” — first the type, then its second-level
type, instead of one combined list. The profile groups the categories (``subcategories``) and
names the prompts (``category_prompt``, ``subcategory_prompt``).
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from xueshi.declarations.models import Declaration
from xueshi.declarations.tests.test_form_views import YEAR, act_as, guangxi_post
from xueshi.policy.loader import check_profile_file

pytestmark = pytest.mark.django_db


def _fields(client, **query):
    base = {"profile_key": "guangxi", "profile_version": "2020-01-01"}
    return client.get(reverse("declarations:fields"), {**base, **query}).content.decode()


def test_the_first_select_offers_the_types_and_the_second_waits(client, demo):
    act_as(client, demo.professional("覃海燕"))
    html = client.get(reverse("declarations:create")).content.decode()
    assert '<option value="" selected>请选择类型</option>' in html
    for name in ("培训进修类", "学术会议类", "成果著作类"):
        assert f">{name}</option>" in html
    assert "请选择二级类型" in html
    assert "<optgroup" not in html  # not one combined list
    assert ">培训班</option>" not in html  # the second-level types come with the type


def test_choosing_a_type_swaps_in_its_second_level_types(client, demo):
    act_as(client, demo.professional("覃海燕"))
    html = _fields(client, category_group="conference")
    assert 'id="subcategory-block" hx-swap-oob="true"' in html
    assert "请选择二级类型" in html
    for name in ("学术会议", "学术讲座", "学术访问"):
        assert f">{name}</option>" in html
    assert ">培训班</option>" not in html
    # A second-level type left over from another type is dropped, not kept.
    html = _fields(client, category_group="conference", category="training_course")
    assert 'name="title"' not in html
    html = _fields(client, category_group="conference", category="academic_lecture")
    assert '<option value="academic_lecture" selected>学术讲座</option>' in html
    assert 'name="title"' in html  # the category's fields follow


def test_a_claim_is_saved_with_the_two_choices(client, demo):
    act_as(client, demo.professional("覃海燕"))
    response = client.post(reverse("declarations:create"), guangxi_post(category_group="training"))
    assert response.status_code == 302
    claim = Declaration.objects.get()
    assert (claim.category_code, claim.category_name) == ("training_course", "培训进修类-培训班")
    edit = client.get(reverse("declarations:edit", args=[claim.pk])).content.decode()
    assert '<option value="training" selected>培训进修类</option>' in edit
    assert '<option value="training_course" selected>培训班</option>' in edit


def test_a_second_level_type_of_another_type_is_refused_and_the_rest_kept(client, demo):
    act_as(client, demo.professional("覃海燕"))
    response = client.post(
        reverse("declarations:create"),
        guangxi_post(category_group="conference", category="training_course"),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "请选择二级类型（须属于所选类型）" in html
    # Nothing typed is lost: carried until the second-level type is chosen again.
    assert '<input type="hidden" name="title" value="高校教师信息化教学能力培训班">' in html
    assert f'<input type="hidden" name="start_date" value="{YEAR}-05-04">' in html
    assert not Declaration.objects.exists()


def test_check_profiles_refuses_a_second_level_prompt_without_second_levels(tmp_path):
    path = tmp_path / "z.yaml"
    source = open("profiles/zhejiang_construction.yaml", encoding="utf-8").read()  # noqa: SIM115
    path.write_text(
        source.replace(
            "    category_label: 认定类别",
            "    subcategory_prompt: 请选择二级类型\n    category_label: 认定类别",
        )
    )
    _profile, problems = check_profile_file(path)
    assert any("subcategory_prompt" in str(problem) for problem in problems)
