"""ID numbers and phones encrypted at rest (SM4-GCM), found by their HMAC-SM3 digest (issue 21)."""

from __future__ import annotations

import pytest
from django.core.exceptions import FieldError, ValidationError
from django.db import IntegrityError, connection, transaction

from xueshi.accounts.models import Person, id_number_digest
from xueshi.accounts.services import person_create
from xueshi.accounts.tests.factories import PersonFactory, id_number_ending_in_x
from xueshi.core.bulk import insert_returning_ids
from xueshi.core.crypto import decrypt
from xueshi.core.identifiers import id_number_birth_date, id_number_sex
from xueshi.core.testing import make_id_number

pytestmark = pytest.mark.django_db

PHONE = "13912345678"


def raw_row(person: Person) -> tuple[str, str, str, str]:
    """What the database itself holds, read past the ORM's decryption."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.id_number, p.phone, p.id_number_digest, COALESCE(u.username, '')"
            " FROM accounts_person p LEFT JOIN accounts_user u ON u.id = p.user_id"
            " WHERE p.id = %s",
            [person.pk],
        )
        return cursor.fetchone()


def test_the_database_holds_no_id_number_phone_or_id_username() -> None:
    id_number = id_number_ending_in_x()
    person = person_create(id_number=id_number, name="张三", phone=PHONE)

    stored_id, stored_phone, digest, username = raw_row(person)

    for stored in (stored_id, stored_phone, digest, username):
        assert id_number not in stored.upper()
        assert id_number[:17] not in stored
        assert PHONE not in stored
    assert stored_id.startswith("dev1:") and stored_phone.startswith("dev1:")
    assert decrypt(stored_id) == id_number
    assert digest == id_number_digest(id_number)
    # In Python the values are plain, so the rest of the code reads them as before.
    fresh = Person.objects.get(pk=person.pk)
    assert (fresh.id_number, fresh.phone) == (id_number, PHONE)


def test_lookups_go_by_the_digest() -> None:
    person = PersonFactory.create(id_number=id_number_ending_in_x())
    other = PersonFactory.create()

    assert list(Person.objects.by_id_number(person.id_number.lower())) == [person]
    assert list(Person.objects.by_id_number(f" {person.id_number} ")) == [person]
    assert set(Person.objects.by_id_numbers([person.id_number, other.id_number])) == {
        person,
        other,
    }
    assert not Person.objects.by_id_number(
        make_id_number("450102", id_number_birth_date(person.id_number), 9999)
    ).exists()


def test_a_lookup_on_the_encrypted_column_is_refused_not_silently_empty() -> None:
    person = PersonFactory.create()
    with pytest.raises(FieldError):
        Person.objects.filter(id_number=person.id_number).exists()
    with pytest.raises(FieldError):
        Person.objects.filter(id_number__icontains=person.id_number[:6]).exists()


def test_the_unique_constraint_still_refuses_a_duplicate_person() -> None:
    person = PersonFactory.create()

    with pytest.raises(ValidationError):
        person_create(id_number=person.id_number.lower(), name="另一人")
    with transaction.atomic(), pytest.raises(IntegrityError):
        Person.objects.create(
            id_number=person.id_number,
            name="绕过服务",
            birth_date=person.birth_date,
            sex=person.sex,
        )


def test_a_saved_change_of_id_number_keeps_the_digest_in_step() -> None:
    person = PersonFactory.create()
    corrected = make_id_number("450102", person.birth_date, 4321)
    person.id_number = corrected
    person.save()

    assert Person.objects.by_id_number(corrected).get() == person
    assert raw_row(person)[2] == id_number_digest(corrected)


def test_bulk_insert_writes_both_columns() -> None:
    numbers = [
        make_id_number("450102", id_number_birth_date("450102198501010012"), n) for n in range(3)
    ]
    people = [
        Person(
            id_number=n,
            name=f"批量{i}",
            phone=PHONE,
            birth_date=id_number_birth_date(n),
            sex=id_number_sex(n),
        )
        for i, n in enumerate(numbers)
    ]

    insert_returning_ids(people)

    for person, number in zip(people, numbers, strict=True):
        stored_id, stored_phone, _, _ = raw_row(person)
        assert number not in stored_id and PHONE not in stored_phone
        assert decrypt(stored_id) == number and decrypt(stored_phone) == PHONE
        assert Person.objects.by_id_number(number).get().pk == person.pk
