"""A unit's contact phone is SM4-encrypted at rest; migration 0005 encrypts the ones stored."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from xueshi.orgs.models import Organization

from .factories import UnitFactory

BEFORE = [("orgs", "0004_regions_declaring_access")]
AFTER = [("orgs", "0005_contact_phone_encrypted")]
PHONE = "07713232323"


def stored_phone(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT contact_phone FROM orgs_organization WHERE id = %s", [pk])
        return str(cursor.fetchone()[0])


@pytest.mark.django_db
def test_a_saved_contact_phone_is_not_in_the_database_in_plain() -> None:
    unit = UnitFactory.create(contact_phone=PHONE)
    raw = stored_phone(unit.pk)
    assert PHONE not in raw and raw.count(":") == 1
    assert Organization.objects.get(pk=unit.pk).contact_phone == PHONE


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_stored_phones_once() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps.get_model("orgs", "Organization")
    # Authorities are roots: no parent needed in the historical model.
    unit = old.objects.create(
        kind="authority",
        name="旧人社厅",
        region_code="450000",
        policy_profile="guangxi",
        contact_phone=PHONE,
    )
    empty = old.objects.create(
        kind="authority", name="无电话", region_code="450100", policy_profile="guangxi"
    )
    assert stored_phone(unit.pk) == PHONE

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    once = stored_phone(unit.pk)
    assert PHONE not in once
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert stored_phone(unit.pk) == once  # later migrations did not encrypt it again
    assert Organization.objects.get(pk=unit.pk).contact_phone == PHONE
    assert stored_phone(empty.pk) == ""
