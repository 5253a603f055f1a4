"""The export registry: each app's exports.py is found at start-up (no app imports another's
views for it), and the machinery in core reloads the role in the worker through the loader
that accounts registers."""

from __future__ import annotations

import pytest

from xueshi.accounts.models import RoleKind
from xueshi.accounts.tests.factories import RoleAssignmentFactory
from xueshi.core import exports


def test_every_apps_exports_are_registered_at_start_up():
    # Nothing here imports reports, ledger, review or units: CoreConfig.ready found them.
    keys = set(exports.EXPORTS)
    assert {"declarations", "stats_category", "stats_compliance", "stats_pending"} <= keys
    assert {"ledger_hours", "review_queue", "review_results", "staff"} <= keys


def test_the_exports_live_in_the_app_that_owns_the_list():
    owners = {key: spec.rows.__module__ for key, spec in exports.EXPORTS.items()}
    assert owners["ledger_hours"] == "xueshi.ledger.exports"
    assert owners["review_queue"] == owners["review_results"] == "xueshi.review.exports"
    assert owners["staff"] == "xueshi.units.exports"
    assert owners["declarations"] == "xueshi.reports.exports"


@pytest.mark.django_db
def test_the_worker_reloads_the_role_through_the_registered_loader():
    role = RoleAssignmentFactory.create(kind=RoleKind.PLATFORM_ADMIN, organization=None)
    assert exports._load_role(role.pk) == role
    assert exports._load_role(None) is None
