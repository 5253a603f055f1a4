"""Reads a batch may share: inside `batch_memo()`, `memoized(key, compute)` computes once per key.

A batch of moves (the lifecycle's `transition_many`) asks the same questions of the same few
organisations for every item: which region's rules apply above a unit, which webhooks listen
there. Nothing a move writes changes those answers, so the batch keeps them for its length.
Outside a batch nothing is kept: every call computes afresh, as before.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

T = TypeVar("T")

_memo: ContextVar[dict[Hashable, Any] | None] = ContextVar("batch_memo", default=None)


@contextmanager
def batch_memo() -> Iterator[None]:
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def memoized(key: Hashable, compute: Callable[[], T]) -> T:
    memo = _memo.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    value: T = memo[key]
    return value
