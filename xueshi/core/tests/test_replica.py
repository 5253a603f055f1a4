"""The read-replica router (xueshi/core/replica.py): statistics and exports read from the replica
alias, writes never go there, and without a replica everything uses default.

The test settings define `replica` as a mirror of the test database (its own connection to the
same data); a transactional test is needed so the mirror's connection sees the committed rows.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DEFAULT_DB_ALIAS, connections, router
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from xueshi.core.replica import on_replica, replica_alias, replica_reads
from xueshi.declarations.models import Declaration
from xueshi.review.services import declaration_submit
from xueshi.review.tests.test_declarations_views import act_as, guangxi_training

# The claims, or the statistics' summaries of them (on PostgreSQL the page reads those).
CLAIMS_TABLES = ('"declarations_declaration"', '"reports_')


def _reads_of_claims(captured: CaptureQueriesContext) -> list[str]:
    return [
        query["sql"]
        for query in captured.captured_queries
        if query["sql"].lstrip().upper().startswith("SELECT")
        and any(table in query["sql"] for table in CLAIMS_TABLES)
    ]


def _writes(captured: CaptureQueriesContext) -> list[str]:
    verbs = ("INSERT", "UPDATE", "DELETE")
    return [q["sql"] for q in captured.captured_queries if q["sql"].lstrip().startswith(verbs)]


@pytest.fixture
def with_replica(settings: Any) -> str:
    settings.READ_REPLICA_ALIAS = "replica"
    return "replica"


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_statistics_and_exports_read_claims_from_the_replica(
    demo: Any, client: Any, with_replica: str
) -> None:
    person = demo.professional("覃海燕")
    claim = guangxi_training(demo)
    declaration_submit(declaration_id=claim.pk, actor=person.user, role=person)
    act_as(client, demo.role("gx_gxu"))
    pages = [
        (reverse("reports:statistics"), "学时申报统计"),
        (reverse("reports:statistics_section", args=["pending"]), "审核机构"),
        (reverse("reports:export_declarations") + "?format=csv", "教学能力提升培训班"),
    ]
    for url, expected in pages:
        with (
            CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as primary,
            CaptureQueriesContext(connections["replica"]) as replica,
        ):
            response = client.get(url)
            body = (
                b"".join(response.streaming_content) if response.streaming else response.content
            ).decode("utf-8-sig")
        assert response.status_code == 200
        assert expected in body
        assert _reads_of_claims(replica), url
        assert not _reads_of_claims(primary), url
        # The export's audit row (and the session) are written to default, never the replica.
        assert not _writes(replica)


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_writes_never_go_to_the_replica(demo: Any, with_replica: str) -> None:
    claim = guangxi_training(demo)
    with (
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as primary,
        CaptureQueriesContext(connections["replica"]) as replica,
        replica_reads(),
    ):
        read = Declaration.objects.get(pk=claim.pk)
        assert read._state.db == "replica"
        assert router.db_for_write(Declaration, instance=read) == DEFAULT_DB_ALIAS
        read.title = "改过的标题"
        read.save(update_fields=["title"])
        pinned = on_replica(Declaration.objects.filter(pk=claim.pk))
        assert pinned.db == "replica"
        assert [row.pk for row in pinned] == [claim.pk]
        # A queryset's write asks the router, which answers default even inside the block.
        Declaration.objects.filter(pk=claim.pk).update(title="再改一次")
    assert _reads_of_claims(replica)
    assert not _writes(replica)
    assert len(_writes(primary)) == 2
    assert Declaration.objects.get(pk=claim.pk).title == "再改一次"


def test_without_a_replica_everything_reads_from_default(settings: Any) -> None:
    settings.READ_REPLICA_ALIAS = ""
    assert replica_alias() == DEFAULT_DB_ALIAS
    assert on_replica(Declaration.objects.all()).db == DEFAULT_DB_ALIAS
    with replica_reads() as alias:
        assert alias == DEFAULT_DB_ALIAS
        assert Declaration.objects.all().db == DEFAULT_DB_ALIAS
    # A replica named in settings but not configured as a database: default too.
    settings.READ_REPLICA_ALIAS = "absent"
    assert replica_alias() == DEFAULT_DB_ALIAS
    assert router.db_for_read(Declaration) == DEFAULT_DB_ALIAS
