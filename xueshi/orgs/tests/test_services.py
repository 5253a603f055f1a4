import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from xueshi.accounts.models import RoleKind
from xueshi.accounts.tests.factories import PersonFactory, RoleAssignmentFactory, UserFactory
from xueshi.core.models import AuditLog
from xueshi.core.testing import make_credit_code
from xueshi.orgs.models import Organization, OrganizationKind, OrganizationStatus
from xueshi.orgs.services import organization_register
from xueshi.orgs.tests.factories import (
    DepartmentFactory,
    PendingUnitFactory,
    UnitFactory,
    make_tree,
)
from xueshi.units.organizations import (
    organization_approve,
    organization_override_credit_code,
    organization_reject,
    person_change_unit,
    person_register_unit,
)

pytestmark = pytest.mark.django_db


def failing_credit_code(sequence: int = 4242) -> str:
    """A code of the right form whose 18th (check) character is wrong."""
    good = make_credit_code("450100", sequence)
    return good[:-1] + ("0" if good[-1] != "0" else "1")


@pytest.fixture
def tree():
    return make_tree()


def register(tree, **overrides):
    fields = {
        "name": "南宁市青秀区新竹小学",
        "credit_code": make_credit_code("450103", 777),
        "region_code": "450103",
        "parent": tree.supervisor_1,
        "contact_name": "李老师",
        "contact_phone": "138 0013 8000",
        "registered_by": UserFactory.create(),
    }
    fields.update(overrides)
    return organization_register(**fields)


def role(kind, organization=None, **extra):
    return RoleAssignmentFactory.create(kind=kind, organization=organization, **extra)


# ---- person_change_unit -------------------------------------------------------------------


def test_change_to_an_active_unit_clears_the_department_and_is_audited():
    department = DepartmentFactory.create()
    person = PersonFactory.create(unit=department.unit, department=department)
    old_unit = department.unit
    new_unit = UnitFactory.create(name="南宁市第二中学")

    person_change_unit(person=person, unit_or_none=new_unit, actor=person.user)

    person.refresh_from_db()
    assert person.unit == new_unit
    assert person.department is None
    entry = AuditLog.objects.get(action="person.change_unit")
    assert (entry.from_state, entry.to_state) == (str(old_unit.pk), str(new_unit.pk))
    assert entry.actor == person.user
    assert entry.target_id == str(person.pk)


def test_choosing_other_unit_means_no_unit():
    person = PersonFactory.create()
    old_unit_id = person.unit_id

    person_change_unit(person=person, unit_or_none=None, actor=person.user)

    person.refresh_from_db()
    assert person.unit is None
    assert person.unit_display == "其他单位"
    entry = AuditLog.objects.get(action="person.change_unit")
    assert (entry.from_state, entry.to_state) == (str(old_unit_id), "")


def test_a_pending_unit_cannot_be_chosen_by_others():
    person = PersonFactory.create()
    pending = PendingUnitFactory.create(registered_by=UserFactory.create())

    with pytest.raises(ValidationError) as error:
        person_change_unit(person=person, unit_or_none=pending, actor=person.user)

    assert error.value.message_dict["unit"] == ["该单位尚在审批中，审批通过后才能选择。"]
    person.refresh_from_db()
    assert person.unit != pending
    assert not AuditLog.objects.filter(action="person.change_unit").exists()


def test_the_registrant_may_have_their_pending_unit():
    person = PersonFactory.create()
    pending = PendingUnitFactory.create(registered_by=person.user)

    person_change_unit(person=person, unit_or_none=pending, actor=person.user)

    person.refresh_from_db()
    assert person.unit == pending
    assert not person.unit.accepts_submissions


def test_a_rejected_unit_cannot_be_chosen():
    person = PersonFactory.create()
    rejected = UnitFactory.create(status=OrganizationStatus.REJECTED, registered_by=person.user)

    with pytest.raises(ValidationError) as error:
        person_change_unit(person=person, unit_or_none=rejected, actor=person.user)
    assert "未通过审批" in error.value.message_dict["unit"][0]


def test_a_supervisor_is_not_a_unit(tree):
    person = PersonFactory.create()
    with pytest.raises(ValidationError):
        person_change_unit(person=person, unit_or_none=tree.supervisor_1, actor=person.user)


def test_choosing_the_same_unit_again_keeps_the_department():
    department = DepartmentFactory.create()
    person = PersonFactory.create(unit=department.unit, department=department)

    person_change_unit(person=person, unit_or_none=department.unit, actor=person.user)

    person.refresh_from_db()
    assert person.department == department
    assert not AuditLog.objects.filter(action="person.change_unit").exists()


# ---- organization_register ----------------------------------------------------------------


def test_register_creates_a_pending_unit_under_the_parent(tree):
    user = UserFactory.create()
    unit = register(tree, registered_by=user)

    unit.refresh_from_db()
    assert unit.kind == OrganizationKind.UNIT
    assert unit.status == OrganizationStatus.PENDING
    assert unit.parent == tree.supervisor_1
    assert unit.path == f"{tree.supervisor_1.path}{unit.pk}/"
    assert unit.registered_by == user
    assert unit.contact_phone == "13800138000"
    assert unit.credit_code == make_credit_code("450103", 777)
    entry = AuditLog.objects.get(action="organization.register")
    assert entry.to_state == "pending"
    assert entry.actor == user


def test_register_without_credit_code(tree):
    unit = register(tree, credit_code="")
    assert unit.credit_code is None
    # A second unit without a code does not collide on the unique column.
    register(tree, name="另一所小学", credit_code=None)


def test_a_credit_code_failing_its_check_is_refused_on_registration(tree):
    with pytest.raises(ValidationError) as error:
        register(tree, credit_code=failing_credit_code())

    message = error.value.message_dict["credit_code"][0]
    assert "校验位错误" in message
    assert not Organization.objects.filter(name="南宁市青秀区新竹小学").exists()


def test_a_registered_credit_code_is_refused_with_the_holders_name(tree):
    with pytest.raises(ValidationError) as error:
        register(tree, credit_code=tree.unit_1.credit_code.lower())
    assert error.value.message_dict["credit_code"] == [
        f"该统一社会信用代码已注册：{tree.unit_1.name}"
    ]


def test_a_duplicate_name_under_the_same_parent_is_refused(tree):
    with pytest.raises(ValidationError) as error:
        register(tree, name=f" {tree.unit_1.name} ")
    assert tree.unit_1.name in error.value.message_dict["name"][0]

    # The same name under another parent is a different unit.
    register(tree, name=tree.unit_1.name, parent=tree.supervisor_2)


def test_a_rejected_namesake_does_not_block_a_new_registration(tree):
    UnitFactory.create(
        name="重新注册小学", parent=tree.supervisor_1, status=OrganizationStatus.REJECTED
    )
    assert register(tree, name="重新注册小学").status == OrganizationStatus.PENDING


@pytest.mark.parametrize("region_code", ["999999", "4501", "450199"])
def test_an_unknown_region_is_refused(tree, region_code):
    with pytest.raises(ValidationError) as error:
        register(tree, region_code=region_code)
    assert "region_code" in error.value.message_dict


def test_the_parent_must_be_an_active_supervisor_or_authority(tree):
    with pytest.raises(ValidationError) as error:
        register(tree, parent=tree.unit_1)
    assert "parent" in error.value.message_dict

    tree.supervisor_2.status = OrganizationStatus.PENDING
    tree.supervisor_2.save()
    with pytest.raises(ValidationError):
        register(tree, parent=tree.supervisor_2)

    assert register(tree, parent=tree.authority_b).parent == tree.authority_b


def test_all_problems_are_reported_at_once(tree):
    with pytest.raises(ValidationError) as error:
        register(tree, name="", credit_code="123", region_code="000000", contact_phone="12")
    assert set(error.value.message_dict) == {"name", "credit_code", "region_code", "contact_phone"}


def test_person_register_unit_records_the_pending_unit_as_theirs(tree):
    person = PersonFactory.create()

    unit = person_register_unit(
        person=person,
        name="柳州市新建诊所",
        credit_code=None,
        region_code="450200",
        parent=tree.supervisor_2,
        contact_name="王医生",
        contact_phone="13900139000",
    )

    person.refresh_from_db()
    assert person.unit == unit
    assert unit.status == OrganizationStatus.PENDING
    assert unit.registered_by == person.user
    # Someone else cannot pick it while it waits.
    other = PersonFactory.create()
    with pytest.raises(ValidationError):
        person_change_unit(person=other, unit_or_none=unit, actor=other.user)


# ---- approve / reject ---------------------------------------------------------------------


def test_the_parent_supervisor_approves(tree):
    pending = register(tree)
    reviewer = role(RoleKind.SUPERVISOR_ADMIN, tree.supervisor_1)

    organization_approve(organization=pending, actor=reviewer.user, role=reviewer)

    pending.refresh_from_db()
    assert pending.status == OrganizationStatus.ACTIVE
    assert pending.reviewed_by == reviewer.user
    assert pending.accepts_submissions
    entry = AuditLog.objects.get(action="organization.approve")
    assert (entry.from_state, entry.to_state, entry.role) == (
        "pending",
        "active",
        "supervisor_admin",
    )


def test_an_authority_higher_up_may_approve(tree):
    pending = register(tree)
    reviewer = role(RoleKind.AUTHORITY_ADMIN, tree.authority_a)
    organization_approve(organization=pending, actor=reviewer.user, role=reviewer)
    pending.refresh_from_db()
    assert pending.status == OrganizationStatus.ACTIVE


@pytest.mark.parametrize(
    ("kind", "where"),
    [
        (RoleKind.SUPERVISOR_ADMIN, "supervisor_2"),
        (RoleKind.AUTHORITY_ADMIN, "authority_b"),
        (RoleKind.UNIT_ADMIN, "unit_1"),
    ],
)
def test_reviewers_outside_the_subtree_are_refused(tree, kind, where):
    pending = register(tree)
    reviewer = role(kind, getattr(tree, where))

    with pytest.raises(PermissionDenied):
        organization_approve(organization=pending, actor=reviewer.user, role=reviewer)
    pending.refresh_from_db()
    assert pending.status == OrganizationStatus.PENDING


def test_the_pending_units_own_admin_cannot_approve_it(tree):
    pending = register(tree)
    own_admin = role(RoleKind.UNIT_ADMIN, pending)
    with pytest.raises(PermissionDenied):
        organization_approve(organization=pending, actor=own_admin.user, role=own_admin)


def test_a_professional_or_no_role_cannot_approve(tree):
    pending = register(tree)
    with pytest.raises(PermissionDenied):
        organization_approve(organization=pending, actor=None, role=None)
    professional = role(RoleKind.PROFESSIONAL)
    with pytest.raises(PermissionDenied):
        organization_approve(organization=pending, actor=professional.user, role=professional)


def test_two_reviewers_at_once_make_one_transition(tree):
    pending = register(tree)
    first = role(RoleKind.SUPERVISOR_ADMIN, tree.supervisor_1)
    second = role(RoleKind.AUTHORITY_ADMIN, tree.authority_a)
    stale_copy = Organization.objects.get(pk=pending.pk)

    organization_approve(organization=pending, actor=first.user, role=first)
    with pytest.raises(ValidationError) as error:
        organization_reject(organization=stale_copy, actor=second.user, role=second, reason="重复")

    assert error.value.messages == ["该单位已被处理。"]
    stale_copy.refresh_from_db()
    assert stale_copy.status == OrganizationStatus.ACTIVE
    assert stale_copy.reviewed_by == first.user
    assert (
        AuditLog.objects.filter(action__startswith="organization.")
        .exclude(action="organization.register")
        .count()
        == 1
    )


def test_reject_needs_a_reason(tree):
    pending = register(tree)
    reviewer = role(RoleKind.SUPERVISOR_ADMIN, tree.supervisor_1)

    with pytest.raises(ValidationError) as error:
        organization_reject(organization=pending, actor=reviewer.user, role=reviewer, reason="  ")
    assert error.value.message_dict == {"reason": ["请填写不通过的原因。"]}
    pending.refresh_from_db()
    assert pending.status == OrganizationStatus.PENDING


def test_reject_records_the_reason(tree):
    pending = register(tree)
    reviewer = role(RoleKind.SUPERVISOR_ADMIN, tree.supervisor_1)

    organization_reject(
        organization=pending, actor=reviewer.user, role=reviewer, reason="单位名称与执照不符"
    )

    pending.refresh_from_db()
    assert pending.status == OrganizationStatus.REJECTED
    assert pending.review_comment == "单位名称与执照不符"
    entry = AuditLog.objects.get(action="organization.reject")
    assert entry.reason == "单位名称与执照不符"
    assert (entry.from_state, entry.to_state) == ("pending", "rejected")


def test_an_active_unit_cannot_be_approved_again(tree):
    reviewer = role(RoleKind.SUPERVISOR_ADMIN, tree.supervisor_1)
    with pytest.raises(ValidationError):
        organization_approve(organization=tree.unit_1, actor=reviewer.user, role=reviewer)


# ---- credit code override -----------------------------------------------------------------


def test_the_authority_overrides_a_real_code_failing_its_check(tree):
    code = failing_credit_code()
    authority = role(RoleKind.AUTHORITY_ADMIN, tree.authority_a)

    organization_override_credit_code(
        organization=tree.unit_1,
        credit_code=code.lower(),
        reason="营业执照原件核实，代码为登记机关早期赋码",
        actor=authority.user,
        role=authority,
    )

    tree.unit_1.refresh_from_db()
    assert tree.unit_1.credit_code == code
    assert tree.unit_1.credit_code_override_reason == "营业执照原件核实，代码为登记机关早期赋码"
    entry = AuditLog.objects.get(action="organization.credit_code_override")
    assert entry.reason == "营业执照原件核实，代码为登记机关早期赋码"
    assert entry.to_state == code
    assert entry.role == "authority_admin"


def test_the_platform_admin_may_override(tree):
    platform = role(RoleKind.PLATFORM_ADMIN)
    organization_override_credit_code(
        organization=tree.unit_b,
        credit_code=failing_credit_code(99),
        reason="核实无误",
        actor=platform.user,
        role=platform,
    )
    tree.unit_b.refresh_from_db()
    assert tree.unit_b.credit_code == failing_credit_code(99)


def test_a_supervisor_admin_cannot_override(tree):
    supervisor = role(RoleKind.SUPERVISOR_ADMIN, tree.supervisor_1)
    with pytest.raises(PermissionDenied):
        organization_override_credit_code(
            organization=tree.unit_1,
            credit_code=failing_credit_code(),
            reason="核实无误",
            actor=supervisor.user,
            role=supervisor,
        )


def test_an_authority_outside_the_subtree_cannot_override(tree):
    other = role(RoleKind.AUTHORITY_ADMIN, tree.authority_b)
    before = tree.unit_1.credit_code
    with pytest.raises(PermissionDenied):
        organization_override_credit_code(
            organization=tree.unit_1,
            credit_code=failing_credit_code(),
            reason="核实无误",
            actor=other.user,
            role=other,
        )
    tree.unit_1.refresh_from_db()
    assert tree.unit_1.credit_code == before


def test_override_needs_a_reason_and_a_well_formed_code(tree):
    authority = role(RoleKind.AUTHORITY_ADMIN, tree.authority_a)

    with pytest.raises(ValidationError) as error:
        organization_override_credit_code(
            organization=tree.unit_1,
            credit_code=failing_credit_code(),
            reason=" ",
            actor=authority.user,
            role=authority,
        )
    assert "reason" in error.value.message_dict

    with pytest.raises(ValidationError) as error:
        organization_override_credit_code(
            organization=tree.unit_1,
            credit_code="91450100MA5P0R27",
            reason="核实无误",
            actor=authority.user,
            role=authority,
        )
    assert "18 位" in error.value.message_dict["credit_code"][0]

    with pytest.raises(ValidationError) as error:
        organization_override_credit_code(
            organization=tree.unit_1,
            credit_code="9145010OMA5P0R272E",  # letter O is not in the alphabet
            reason="核实无误",
            actor=authority.user,
            role=authority,
        )
    assert "格式错误" in error.value.message_dict["credit_code"][0]


def test_override_refuses_a_code_held_by_another_organisation(tree):
    authority = role(RoleKind.AUTHORITY_ADMIN, tree.authority_a)
    with pytest.raises(ValidationError) as error:
        organization_override_credit_code(
            organization=tree.unit_1,
            credit_code=tree.unit_2.credit_code,
            reason="核实无误",
            actor=authority.user,
            role=authority,
        )
    assert error.value.message_dict["credit_code"] == [
        f"该统一社会信用代码已注册：{tree.unit_2.name}"
    ]
