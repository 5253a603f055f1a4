import pytest

from xueshi.accounts.tests.factories import PersonFactory
from xueshi.core.changes import save_changes
from xueshi.orgs.tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db


def test_only_what_differs_is_saved_and_named():
    person = PersonFactory.create(phone="13800138000", specialty="")
    department = DepartmentFactory.create(unit=person.unit)
    assert save_changes(person, phone="13800138000", department=None) == []
    assert save_changes(person, phone="13900139000", department=department) == [
        "phone",
        "department",
    ]
    person.refresh_from_db()
    assert (person.phone, person.department) == ("13900139000", department)
    # The same department again (another instance of it) is no change.
    assert save_changes(person, department=type(department).objects.get(pk=department.pk)) == []
