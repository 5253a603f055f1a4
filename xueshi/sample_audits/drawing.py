"""Drawing a sample: reproducible from a seed, optionally stratified. Pure functions.

The rule (documented on the start page and in docs/architecture.md):

- The population is ordered by primary key within each stratum, strata by their key; the only
  randomness is one `random.Random(seed)`, so the same seed over the same population draws the
  same sample, and the seed is recorded on the audit.
- Size: a percentage p of N claims draws ceil(N × p / 100) (at least 1 when N > 0); a count n
  draws min(n, N).
- Stratified (by unit or by category): every non-empty stratum first gets 1; the rest
  (n − k for k strata) is shared in proportion to what each stratum has left (Nᵢ − 1), by the
  largest remainder (ties: the larger stratum, then the stratum key). When n < k, the seed
  chooses which n strata get 1 each.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from decimal import Decimal
from fractions import Fraction

from .models import SizeKind


def sample_size(population: int, kind: str, value: Decimal) -> int:
    if population <= 0 or value <= 0:
        return 0
    if kind == SizeKind.PERCENT:
        size = math.ceil(Fraction(population) * Fraction(value) / 100)
        return min(population, max(1, size))
    return min(population, int(value))


def allocate(sizes: Mapping[str, int], total: int, rng: random.Random) -> dict[str, int]:
    """How many to draw from each stratum (keys sorted for reproducibility)."""
    keys = sorted(key for key, size in sizes.items() if size > 0)
    allocation = dict.fromkeys(sorted(sizes), 0)
    total = min(total, sum(sizes[key] for key in keys))
    if total <= 0 or not keys:
        return allocation
    if total < len(keys):
        for key in rng.sample(keys, total):
            allocation[key] = 1
        return allocation
    for key in keys:
        allocation[key] = 1
    rest = total - len(keys)
    room = {key: sizes[key] - 1 for key in keys}
    capacity = sum(room.values())
    if rest == 0 or capacity == 0:
        return allocation
    quotas = {key: Fraction(rest * room[key], capacity) for key in keys}
    for key in keys:
        allocation[key] += math.floor(quotas[key])
    left = total - sum(allocation.values())
    by_remainder = sorted(
        keys, key=lambda key: (-(quotas[key] - math.floor(quotas[key])), -sizes[key], key)
    )
    for key in by_remainder[:left]:
        allocation[key] += 1
    return allocation


def draw_sample(strata: Mapping[str, Sequence[int]], total: int, seed: int) -> list[int]:
    """The drawn primary keys, stratum by stratum (sorted keys), each in draw order."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible audit draw, not a secret
    ordered = {key: sorted(pks) for key, pks in strata.items()}
    allocation = allocate({key: len(pks) for key, pks in ordered.items()}, total, rng)
    drawn: list[int] = []
    for key in sorted(ordered):
        drawn.extend(rng.sample(ordered[key], allocation[key]))
    return drawn
