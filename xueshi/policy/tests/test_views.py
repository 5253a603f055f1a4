"""The read-only profile page: authority admins see their region's rules; others do not."""

from __future__ import annotations

from typing import cast

import pytest
from django.test import Client
from django.urls import reverse

from xueshi.accounts.models import Person, RoleAssignment, RoleKind, User
from xueshi.accounts.tests.factories import PersonFactory, RoleAssignmentFactory
from xueshi.orgs.models import Organization
from xueshi.orgs.tests.factories import AuthorityFactory, SupervisorFactory

pytestmark = pytest.mark.django_db

URL = reverse("policy:profile_detail")


def admin_of(organization: object, kind: str) -> User:
    """A user whose only role is `kind` at `organization` (factories are untyped for mypy)."""
    org = cast(Organization | None, organization)
    role = cast(RoleAssignment, RoleAssignmentFactory(kind=kind, organization=org))
    return role.user


def test_authority_admin_sees_their_regions_profile(client: Client) -> None:
    authority = AuthorityFactory()  # policy_profile="guangxi"
    client.force_login(admin_of(authority, RoleKind.AUTHORITY_ADMIN))

    response = client.get(URL)

    assert response.status_code == 200
    page = response.content.decode()
    assert "广西壮族自治区专业技术人员继续教育学时登记" in page
    assert "培训进修类-培训班" in page
    assert "起止日期（含首尾）每半天 4 学时，不可手动修改" in page
    assert "单位审核" in page and "主管部门审核" in page
    assert "本人承诺以上信息属实" in page
    assert response.context["key"] == "guangxi"


def test_authority_admin_sees_the_version_in_force_on_a_date(client: Client) -> None:
    authority = AuthorityFactory(policy_profile="xinjiang")
    client.force_login(admin_of(authority, RoleKind.AUTHORITY_ADMIN))

    assert client.get(URL, {"on": "2024-03-01"}).status_code == 200
    # Before the first version took effect there are no rules to show.
    assert client.get(URL, {"on": "2020-03-01"}).status_code == 404


def test_authority_admin_cannot_pick_another_region(client: Client) -> None:
    client.force_login(admin_of(AuthorityFactory(), RoleKind.AUTHORITY_ADMIN))

    response = client.get(URL, {"key": "henan"})

    assert response.context["key"] == "guangxi"


def test_professional_is_refused(client: Client) -> None:
    person = cast(Person, PersonFactory())
    assert person.user is not None
    client.force_login(person.user)

    assert client.get(URL).status_code == 403


def test_supervisor_admin_is_refused(client: Client) -> None:
    client.force_login(admin_of(SupervisorFactory(), RoleKind.SUPERVISOR_ADMIN))

    assert client.get(URL).status_code == 403


def test_authority_without_a_profile_is_not_found(client: Client) -> None:
    client.force_login(admin_of(AuthorityFactory(policy_profile=""), RoleKind.AUTHORITY_ADMIN))

    assert client.get(URL).status_code == 404


def test_platform_admin_may_pick_any_profile(client: Client) -> None:
    client.force_login(admin_of(None, RoleKind.PLATFORM_ADMIN))

    response = client.get(URL, {"key": "henan"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "66 学时 × 休假时间（以证明材料为准） / 12 个月" in page
    assert "需要上传当年度成绩单" in page
    assert client.get(URL, {"key": "nowhere"}).status_code == 404


def test_anonymous_is_sent_to_login(client: Client) -> None:
    response = client.get(URL)
    assert response.status_code == 302


def test_the_page_says_what_an_inherited_window_setting_means(client: Client) -> None:
    """Issue 23: a copy of Guangxi keeps declaring closed until each unit opens a window, and
    nothing said so. The authority's page says it in Chinese, with the profile and version."""
    authority = AuthorityFactory()  # guangxi: unit_may_open_window: true
    client.force_login(admin_of(authority, RoleKind.AUTHORITY_ADMIN))
    page = client.get(URL).content.decode()
    assert "各单位须先在“学时登记开放”中设置登记时间，未设置的单位其人员无法登记" in page
    assert "配置代码：<code>guangxi</code>" in page
    assert "生效的版本：自 2020-01-01 起" in page
