import pytest

from xueshi.accounts.models import RoleKind
from xueshi.accounts.tests.factories import RoleAssignmentFactory
from xueshi.orgs.models import OrganizationStatus
from xueshi.orgs.selectors import (
    organization_accepts_submissions,
    parent_choices,
    region_is_known,
    region_prefix,
    unit_search,
)
from xueshi.orgs.tests.factories import (
    AuthorityFactory,
    PendingUnitFactory,
    SupervisorFactory,
    UnitFactory,
    make_tree,
)
from xueshi.units.selectors import pending_units

pytestmark = pytest.mark.django_db


def names(units):
    return [unit.name for unit in units]


def test_every_keyword_must_appear_in_the_name():
    UnitFactory.create(name="南宁市教育局直属第一幼儿园")
    UnitFactory.create(name="南宁市人民医院")
    UnitFactory.create(name="柳州市教育局")

    assert names(unit_search("南宁 教育")) == ["南宁市教育局直属第一幼儿园"]
    assert names(unit_search("  南宁   幼儿园 ")) == ["南宁市教育局直属第一幼儿园"]


def test_names_starting_with_the_query_come_first_then_shorter_names():
    UnitFactory.create(name="广西师范大学")
    UnitFactory.create(name="广西大学")
    UnitFactory.create(name="大学城医院附属门诊部")
    UnitFactory.create(name="大学城医院")

    assert names(unit_search("大学")) == [
        "大学城医院",
        "大学城医院附属门诊部",
        "广西大学",
        "广西师范大学",
    ]


def test_fuzzy_search_shows_at_most_ten_units():
    for number in range(15):
        UnitFactory.create(name=f"博白县中心小学{number:02d}")

    assert len(unit_search("中心小学")) == 10
    assert len(unit_search("中心小学", limit=50)) == 10
    assert len(unit_search("中心小学", limit=3)) == 3


def test_only_active_units_are_found():
    supervisor = SupervisorFactory.create(name="宾阳县林业局")
    UnitFactory.create(name="宾阳县林业站")
    PendingUnitFactory.create(name="宾阳县林业站新分站")
    UnitFactory.create(name="宾阳县林业公司", status=OrganizationStatus.REJECTED)

    assert names(unit_search("宾阳县林业")) == ["宾阳县林业站"]
    assert supervisor.name not in names(unit_search("林业局"))


def test_full_credit_code_finds_that_unit_whatever_the_case_and_spacing():
    unit = UnitFactory.create(name="梧州市电影发行放映公司")
    UnitFactory.create(name="另一家单位")
    code = str(unit.credit_code)
    typed = f" {code[:6].lower()} {code[6:]} "

    assert unit_search(typed) == [unit]


def test_credit_code_of_a_pending_unit_finds_nothing():
    PendingUnitFactory.create(name="待审批单位", credit_code="91450100000001230X")

    assert unit_search("91450100000001230X") == []


def test_exact_unit_code_finds_that_unit():
    unit = UnitFactory.create(name="新疆大学", code="DWBH000123")
    UnitFactory.create(name="新疆大学附属中学", code="DWBH000124")

    assert unit_search("dwbh000123") == [unit]
    # A partial code is not a unit code and matches no name.
    assert unit_search("DWBH0001") == []


def test_region_filter_includes_the_places_inside_the_region():
    nanning = UnitFactory.create(name="青秀区第一小学", region_code="450103")
    UnitFactory.create(name="天山区第一小学", region_code="650102")

    assert unit_search("第一小学", region_code="450100") == [nanning]
    assert unit_search("第一小学", region_code="450000") == [nanning]
    assert len(unit_search("第一小学")) == 2


def test_like_wildcards_in_the_query_match_literally():
    UnitFactory.create(name="南宁市人民医院")

    assert unit_search("%") == []
    assert unit_search("_") == []


def test_empty_query_returns_nothing(django_assert_num_queries):
    UnitFactory.create(name="南宁市人民医院")

    with django_assert_num_queries(0):
        assert unit_search("   ") == []


def test_region_helpers():
    assert region_prefix("450000") == "45"
    assert region_prefix("450100") == "4501"
    assert region_prefix("450103") == "450103"
    assert region_is_known("450103")
    assert not region_is_known("999999")
    assert not region_is_known("45010")
    assert not region_is_known("4501AB")
    # stdnum has a city entry without counties for this one: must not crash.
    assert not region_is_known("450199")


def test_only_active_organisations_accept_submissions():
    assert organization_accepts_submissions(UnitFactory.create()) is True
    assert organization_accepts_submissions(PendingUnitFactory.create()) is False
    assert (
        organization_accepts_submissions(UnitFactory.create(status=OrganizationStatus.REJECTED))
        is False
    )


def test_parent_choices_are_active_supervisors_and_authorities_in_tree_order():
    tree = make_tree()
    SupervisorFactory.create(
        name="待审批主管部门", parent=tree.authority_a, status=OrganizationStatus.PENDING
    )

    choices = list(parent_choices())

    assert choices == [
        tree.authority_a,
        tree.supervisor_1,
        tree.supervisor_2,
        tree.authority_b,
    ]


def test_pending_units_are_those_in_the_reviewers_subtree():
    tree = make_tree()
    under_1 = PendingUnitFactory.create(name="南宁新单位", parent=tree.supervisor_1)
    under_2 = PendingUnitFactory.create(name="柳州新单位", parent=tree.supervisor_2)
    under_b = PendingUnitFactory.create(name="新疆新单位", parent=tree.authority_b)
    supervisor_role = RoleAssignmentFactory.create(
        kind=RoleKind.SUPERVISOR_ADMIN, organization=tree.supervisor_1
    )
    authority_role = RoleAssignmentFactory.create(
        kind=RoleKind.AUTHORITY_ADMIN, organization=tree.authority_a
    )
    platform_role = RoleAssignmentFactory.create(kind=RoleKind.PLATFORM_ADMIN, organization=None)

    assert list(pending_units(role=supervisor_role)) == [under_1]
    assert list(pending_units(role=authority_role)) == [under_1, under_2]
    assert list(pending_units(role=platform_role)) == [under_1, under_2, under_b]
    assert list(pending_units(role=None)) == []


def test_depth_follows_the_tree():
    tree = make_tree()
    assert tree.authority_a.depth == 0
    assert tree.supervisor_1.depth == 1
    assert tree.unit_1.depth == 2
    assert AuthorityFactory.create().depth == 0
