"""Schemathesis against the live schema (issue 19): every operation is called with generated
input, valid and invalid, under an authority's key holding every scope; no answer may be a
server error or break the schema it documents. Bounded examples per operation (CI time)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from xueshi.accounts.models import RoleKind
from xueshi.accounts.tests.factories import PersonFactory, RoleAssignmentFactory
from xueshi.api.api import api
from xueshi.api.keys import api_key_create, scopes_for
from xueshi.orgs.tests.factories import AuthorityFactory, UnitFactory

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture(autouse=True)
def _connection_kept() -> Iterator[None]:
    # As Django's test client does: the end of a request must not close the test's connection.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def authority_key(db: Any) -> str:
    # A small region (not the whole demo: each operation builds it afresh): an authority, a
    # unit and a person, so lists and lookups have something to find.
    authority = AuthorityFactory.create()
    unit = UnitFactory.create(parent=authority, name="广西大学")
    PersonFactory.create(unit=unit)
    role = RoleAssignmentFactory.create(kind=RoleKind.AUTHORITY_ADMIN, organization=authority)
    every = [code for code, _ in scopes_for(role)]  # all the authority may hold
    return api_key_create(role=role, actor=role.user, name="fuzz", scopes=every).secret


# The schema as /api/v1/openapi.json serves it, called in-process through the WSGI app.
# (Loaded here rather than from a fixture: schemathesis' fixture loader does not run on
# pytest 9 yet.)
schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/v1"))
schema.app = get_wsgi_application()


@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_no_operation_answers_a_server_error_or_breaks_its_schema(
    case: Any, authority_key: str
) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Bearer {authority_key}"},
        checks=[not_a_server_error, response_schema_conformance],
    )
