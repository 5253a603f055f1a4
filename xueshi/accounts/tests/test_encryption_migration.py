"""Migration 0004 encrypts the people already in the database and renames their logins."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from xueshi.accounts.backends import find_user
from xueshi.accounts.models import Person, id_number_digest

BEFORE = [("accounts", "0003_person_title_grade")]
AFTER = [("accounts", "0004_person_encrypted")]
ID_NUMBER = "45010219900517007X"
PHONE = "13912345678"


@pytest.mark.django_db(transaction=True)
def test_existing_people_are_encrypted_and_their_logins_renamed() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name,"
            " email, is_staff, is_active, date_joined, full_name, must_change_password)"
            " VALUES ('!', %s, %s, '', '', '', %s, %s, CURRENT_TIMESTAMP, '甲', %s)",
            [False, ID_NUMBER.lower(), False, True, False],
        )
        cursor.execute(
            "INSERT INTO accounts_person (id_number, name, phone, birth_date, sex, specialty,"
            " in_establishment, created_at, user_id, title_grade)"
            " SELECT %s, '甲', %s, '1990-05-17', 'M', '', %s, CURRENT_TIMESTAMP, id, '无'"
            " FROM accounts_user",
            [ID_NUMBER, PHONE, False],
        )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.id_number, p.phone, p.id_number_digest, u.username"
            " FROM accounts_person p JOIN accounts_user u ON u.id = p.user_id"
        )
        stored_id, stored_phone, digest, username = cursor.fetchone()
    for stored in (stored_id, stored_phone, username):
        assert ID_NUMBER[:17] not in stored and PHONE not in stored
    assert digest == id_number_digest(ID_NUMBER)
    person = Person.objects.by_id_number(ID_NUMBER).get()
    assert (person.id_number, person.phone) == (ID_NUMBER, PHONE)
    assert find_user(ID_NUMBER.lower()) == person.user
