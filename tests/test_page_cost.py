"""The fixed cost every logged-in page pays (issue 20 item 2): how many queries a professional's
学时查询 and 申报进度查询 ask, and that what is now remembered (the role's person, the unread
count, the menu's URLs) still follows every write that changes it."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from xueshi.accounts.backends import IdentifierBackend
from xueshi.accounts.models import Person, RoleKind, User
from xueshi.declarations.models import Declaration
from xueshi.ledger.tests.test_ledger import anyang_claim, approve_all
from xueshi.notifications.models import Notification
from xueshi.notifications.services import notifications_mark_read, notify
from xueshi.orgs.tests.factories import act_as
from xueshi.review.tests.test_declarations_views import guangxi_training


@pytest.fixture(autouse=True)
def _unread_cache(settings: Any) -> None:
    """As in production (the test settings count in the table, for other tests' sake)."""
    settings.NOTIFICATIONS_UNREAD_CACHE = True


# Transaction bookkeeping differs between SQLite and PostgreSQL; the statements do not.
BOOKKEEPING = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "BEGIN", "COMMIT")

# 学时查询 of a professional, 12 statements: the session, the user, the roles, whether a
# second factor is enrolled, the person with their unit and its inherited policy profile, the
# years, their hours, the chosen year's general records, approved claims and other sources,
# the user's permissions (the export's full-ID button), the session saved. The unread count
# comes from the cache. The bare view of the benchmark asks 6 (session, user, roles, second
# factor, its one query, the session saved): a professional's page adds the person and the
# permissions to its own queries.
LEDGER_QUERIES = 12
# 申报进度查询 of a professional with drafts (Guangxi: the supervisor picker shows), 13: the
# session, the user, the roles, the second factor, the person (with the unit's profile), the
# tabs' counts, the years, the page of claims, the declaring window, the picker's count and
# page, the permissions, the session saved.
CLAIM_LIST_QUERIES = 13


def statements(client: Client, url: str, **params: Any) -> list[str]:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, params)
    assert response.status_code == 200
    return [
        query["sql"]
        for query in context.captured_queries
        if not query["sql"].upper().startswith(BOOKKEEPING)
    ]


def test_ledger_page_asks_a_fixed_number_of_queries(client, demo):
    approve_all(demo, anyang_claim(demo, courses=3))
    act_as(client, demo.professional("李明"))
    url = reverse("ledger:my_years")
    client.get(url)
    asked = statements(client, url)
    assert len(asked) == LEDGER_QUERIES, "\n".join(asked)
    # The person is read once, however many parts of the page need them (menu, region, page).
    assert sum('FROM "accounts_person"' in sql for sql in asked) == 1


def test_claim_list_asks_a_fixed_number_of_queries(client, demo):
    declaration = guangxi_training(demo)
    Declaration.objects.bulk_create(
        [_copy(declaration, number) for number in range(30)]  # two pages
    )
    act_as(client, demo.professional("覃海燕"))
    url = reverse("declarations:list")
    client.get(url)
    asked = statements(client, url)
    assert len(asked) == CLAIM_LIST_QUERIES, "\n".join(asked)
    assert sum('FROM "accounts_person"' in sql for sql in asked) == 1
    # The same on the second page and on a status tab (its count comes with the tabs').
    assert len(statements(client, url, page=2)) == CLAIM_LIST_QUERIES
    assert len(statements(client, url, status="draft")) == CLAIM_LIST_QUERIES


def _copy(declaration: Declaration, number: int) -> Declaration:
    copy = Declaration.objects.get(pk=declaration.pk)
    copy.pk = None
    copy.title = f"{declaration.title}{number}"
    return copy


def test_claim_list_pages_count_the_tab_shown(client, demo):
    declaration = guangxi_training(demo)
    Declaration.objects.bulk_create([_copy(declaration, number) for number in range(44)])
    act_as(client, demo.professional("覃海燕"))
    url = reverse("declarations:list")
    assert "第 1 / 3 页" in client.get(url).content.decode()
    assert "第 3 / 3 页" in client.get(url, {"status": "draft", "page": 3}).content.decode()
    # No pending claim: one empty page, no pagination at all.
    assert "/ 3 页" not in client.get(url, {"status": "pending"}).content.decode()


# --- the bell ---------------------------------------------------------------------------------


def bell(client: Client) -> tuple[str, list[str]]:
    with CaptureQueriesContext(connection) as context:
        page = client.get(reverse("core:home")).content.decode()
    counted = [
        query["sql"]
        for query in context.captured_queries
        if "notifications_notification" in query["sql"]
    ]
    return page, counted


def test_unread_count_is_remembered_and_changes_at_once(client, demo):
    role = demo.professional("李明")
    act_as(client, role)
    Notification.objects.filter(recipient=role.user).delete()
    cache.clear()  # no marker of the demo's own messages
    page, counted = bell(client)
    assert "条未读" not in page
    assert len(counted) == 1
    page, counted = bell(client)
    assert "条未读" not in page
    assert counted == []  # remembered

    notify(recipient=role.user, message="测试消息一", url="")
    page, _counted = bell(client)
    assert "我的消息，1 条未读" in page
    Notification.objects.create(recipient=role.user, message="测试消息二")  # not through notify
    page, _counted = bell(client)
    assert "我的消息，2 条未读" in page

    notifications_mark_read(
        recipient=role.user, ids=[Notification.objects.filter(recipient=role.user).first().pk]
    )
    page, _counted = bell(client)
    assert "我的消息，1 条未读" in page
    client.post(reverse("notifications:mark_read"))
    page, _counted = bell(client)
    assert "条未读" not in page
    Notification.objects.filter(recipient=role.user).delete()
    page, _counted = bell(client)
    assert "条未读" not in page


def test_unread_count_is_each_users_own(client, demo):
    li, zhao = demo.professional("李明"), demo.professional("覃海燕")
    notify(recipient=zhao.user, message="测试消息", url="")
    act_as(client, li)
    Notification.objects.filter(recipient=li.user).delete()
    page, _counted = bell(client)
    assert "条未读" not in page
    act_as(client, zhao)
    page, _counted = bell(client)
    assert "条未读" in page


# --- the menu -----------------------------------------------------------------------------------


def menu_of(client: Client) -> str:
    return client.get(reverse("core:home")).content.decode()


def test_menu_follows_the_region_of_the_persons_unit(client, demo):
    role = demo.professional("李明")
    act_as(client, role)
    page = menu_of(client)
    assert 'data-menu="declarations:create"' in page  # Henan: 学时登记
    assert 'data-menu="applications:mine"' not in page
    Person.objects.filter(user=role.user).update(unit=demo.organization("新疆大学"))
    page = menu_of(client)  # Xinjiang: the yearly application instead, on the next page at once
    assert 'data-menu="applications:mine"' in page
    assert 'data-menu="declarations:create"' not in page


def test_menu_follows_the_active_role(client, demo):
    admin = demo.role("450102199710080192", kind="department_admin")
    professional = demo.role("450102199710080192", kind=RoleKind.PROFESSIONAL)
    act_as(client, professional)
    assert 'data-menu="ledger:my_years"' in menu_of(client)
    act_as(client, admin)
    page = menu_of(client)
    assert 'data-menu="ledger:my_years"' not in page
    assert 'data-menu="declarations:list"' in page  # 单位申报记录


# --- permissions in one query ----------------------------------------------------------------


def test_permissions_in_one_query_are_modelbackends(demo):
    full_id = Permission.objects.get(codename="view_full_id_number")
    export_group = Group.objects.create(name="完整证件号导出")
    export_group.permissions.add(full_id)
    other = Permission.objects.exclude(pk=full_id.pk).first()
    direct, grouped, plain = (demo.user("ay_yiyuan"), demo.user("gx_gxu"), demo.user("xj_xju"))
    direct.user_permissions.add(other)
    grouped.groups.add(export_group)
    superuser = User.objects.create(username="超级用户", is_superuser=True)
    inactive = User.objects.create(username="停用用户", is_active=False)
    inactive.groups.add(export_group)
    for user in (direct, grouped, plain, superuser, inactive):
        fresh = User.objects.get(pk=user.pk)
        with CaptureQueriesContext(connection) as context:
            ours = IdentifierBackend().get_all_permissions(fresh)
        assert len(context.captured_queries) <= 1
        assert ours == ModelBackend().get_all_permissions(User.objects.get(pk=user.pk))
    assert IdentifierBackend().get_all_permissions(User.objects.get(pk=grouped.pk)) == {
        "reports.view_full_id_number"
    }
    assert User.objects.get(pk=grouped.pk).has_perm("reports.view_full_id_number")
    assert not User.objects.get(pk=plain.pk).has_perm("reports.view_full_id_number")
    assert not User.objects.get(pk=inactive.pk).has_perm("reports.view_full_id_number")
