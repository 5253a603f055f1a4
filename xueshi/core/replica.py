"""Reads that may lag a little (statistics, exports) go to the streaming read replica.

`DATABASE_REPLICA_URL` adds the database alias `replica` and `READ_REPLICA_ALIAS` names it
(config/settings/base.py). Without it every read and write uses `default`: the router falls
back, so development, tests and a one-machine site need nothing.

Two ways to read from the replica, both explicit (nothing else moves there by accident):

* `on_replica(rows)`: a queryset evaluated later (an export streams after the view returned,
  or in the worker), pinned to the replica with `.using()`;
* `with replica_reads():` (or the view decorator `reads_from_replica`) every read the router is
  asked about inside the block (the statistics page: its selectors and the template that
  renders their results).

Writes always go to `default`, even for an instance that was read from the replica: the replica
is read-only (a hot standby refuses writes), and a write sent there would fail.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import Any, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS
from django.db.models import QuerySet

_replica_reads: ContextVar[bool] = ContextVar("replica_reads", default=False)

Rows = TypeVar("Rows")
View = TypeVar("View", bound=Callable[..., Any])


def replica_alias() -> str:
    """The alias statistics and exports read from: the replica when one is configured."""
    alias = getattr(settings, "READ_REPLICA_ALIAS", "")
    return alias if alias and alias in settings.DATABASES else DEFAULT_DB_ALIAS


@contextmanager
def replica_reads() -> Iterator[str]:
    """Inside the block, the router sends reads to the replica (writes stay on default)."""
    token = _replica_reads.set(True)
    try:
        yield replica_alias()
    finally:
        _replica_reads.reset(token)


def reads_from_replica(view: View) -> View:
    """A view whose reads all go to the replica (`replica_reads()` around it, render included)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with replica_reads():
            return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def on_replica(rows: Rows) -> Rows:
    """`rows` pinned to the replica if it is a queryset (lists and generators are left alone)."""
    if isinstance(rows, QuerySet):
        return rows.using(replica_alias())
    return rows


class ReplicaRouter:
    """settings.DATABASE_ROUTERS: reads inside `replica_reads()` to the replica, writes and
    migrations to default only."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str | None:
        if _replica_reads.get():
            return replica_alias()
        # Django's own choice: the database the hinted instance came from (so the related rows
        # of an export's replica queryset come from the replica too), else default.
        return None

    def db_for_write(self, model: type[Any], **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        # Both aliases are the same data (the replica streams from default).
        return True

    def allow_migrate(
        self, db: str, app_label: str, model_name: str | None = None, **hints: Any
    ) -> bool | None:
        # The replica receives the schema by streaming, never by `migrate`.
        return False if db == getattr(settings, "READ_REPLICA_ALIAS", "") else None
