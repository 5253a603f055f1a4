"""`manage.py rotate_keys`: every encrypted value under the current key, in batches, idempotent."""

from __future__ import annotations

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from xueshi.accounts.models import Person
from xueshi.accounts.tests.factories import PersonFactory
from xueshi.core.models import AuditLog

pytestmark = pytest.mark.django_db

NEW_KEY = "k2:" + "5a" * 16


def raw_values() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone FROM accounts_person ORDER BY id")
        return cursor.fetchall()


def rotate(*args: str) -> str:
    out = StringIO()
    call_command("rotate_keys", *args, stdout=out)
    return out.getvalue()


def test_rotation_rewrites_every_row_with_the_new_key_once() -> None:
    people = PersonFactory.create_batch(5)
    PersonFactory.create(phone="")  # a blank phone stays blank
    before = raw_values()
    assert all(stored.startswith("dev1:") for stored, _ in before)

    with override_settings(PERSONAL_DATA_KEYS=[NEW_KEY, *settings.PERSONAL_DATA_KEYS]):
        assert "6 行未使用密钥 k2" in rotate("--check")
        output = rotate("--batch", "2")
        after = raw_values()
        assert "accounts.Person.id_number：已用密钥 k2 重新加密 6 行" in output
        assert "accounts.Person.phone：已用密钥 k2 重新加密 5 行" in output
        assert all(stored.startswith("k2:") for stored, _ in after)
        assert [phone for _, phone in after].count("") == 1
        # Values and lookups unchanged (the lookup key is not rotated).
        for person in people:
            fresh = Person.objects.by_id_number(person.id_number).get()
            assert (fresh.id_number, fresh.phone) == (person.id_number, person.phone)

        assert "重新加密 0 行" in rotate() and raw_values() == after  # idempotent
        assert "0 行未使用密钥 k2" in rotate("--check")

    # The old key alone no longer reads the values: they really moved.
    with (
        override_settings(PERSONAL_DATA_KEYS=[*settings.PERSONAL_DATA_KEYS]),
        pytest.raises(ValueError),
    ):
        Person.objects.get(pk=people[0].pk)
    assert AuditLog.objects.filter(action="crypto.rotate_keys", to_state="k2").count() == 2
