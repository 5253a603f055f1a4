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


NEW_LOOKUP_KEY = "7e" * 32


def raw_digests() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number_digest FROM accounts_person ORDER BY id")
        return [row[0] for row in cursor.fetchall()]


def test_a_new_lookup_key_finds_everyone_during_and_after_the_rotation() -> None:
    people = PersonFactory.create_batch(5)
    before = raw_digests()
    retiring = {"LOOKUP_KEY": NEW_LOOKUP_KEY, "PREVIOUS_LOOKUP_KEYS": [settings.LOOKUP_KEY]}

    # Without the old key listed, nobody is found: the digests really depend on the key.
    with override_settings(LOOKUP_KEY=NEW_LOOKUP_KEY):
        assert not Person.objects.by_id_number(people[0].id_number).exists()

    with override_settings(**retiring):
        # Before the rotation, lookups find everyone through the retiring key.
        for person in people:
            assert Person.objects.by_id_number(person.id_number).get() == person
        assert "5 行摘要未使用当前 LOOKUP_KEY" in rotate("--check")
        # A rotation cut short after the first batch of 2: the others are still found.
        output = rotate("--batch", "2")
        assert "accounts.Person.id_number_digest：已用当前 LOOKUP_KEY 重算 5 行摘要" in output
        after = raw_digests()
        assert not set(after) & set(before)
        assert "重算 0 行摘要" in rotate() and raw_digests() == after  # idempotent
        assert "0 行摘要未使用当前 LOOKUP_KEY" in rotate("--check")

    # The old key can now go: lookups, the import's batch lookups and search find everyone.
    with override_settings(LOOKUP_KEY=NEW_LOOKUP_KEY, PREVIOUS_LOOKUP_KEYS=[]):
        for person in people:
            assert Person.objects.by_id_number(person.id_number).get() == person
        found = Person.objects.by_id_numbers([p.id_number for p in people])
        assert set(found) == set(people)


def test_a_half_done_rotation_still_finds_the_rows_not_yet_rewritten() -> None:
    people = PersonFactory.create_batch(3)
    with override_settings(LOOKUP_KEY=NEW_LOOKUP_KEY, PREVIOUS_LOOKUP_KEYS=[settings.LOOKUP_KEY]):
        # Rewrite just the first person's digest, as a run stopped after one row would.
        people[0].save()
        digests = raw_digests()
        assert digests[0] != digests[1]
        assert set(Person.objects.by_id_numbers([p.id_number for p in people])) == set(people)
