"""The draw: reproducible from its seed, sized by percent or count, stratified by the rule."""

from __future__ import annotations

import random
from decimal import Decimal

from xueshi.sample_audits.drawing import allocate, draw_sample, sample_size

POPULATION = {"": list(range(1, 201))}


def test_the_same_seed_draws_the_same_sample_and_another_seed_another():
    first = draw_sample(POPULATION, 10, seed=20261128)
    assert first == draw_sample(POPULATION, 10, seed=20261128)
    assert len(set(first)) == 10 and set(first) <= set(POPULATION[""])
    assert draw_sample(POPULATION, 10, seed=20261129) != first


def test_the_draw_does_not_depend_on_the_order_the_population_is_given_in():
    shuffled = list(POPULATION[""])
    random.Random(1).shuffle(shuffled)
    assert draw_sample({"": shuffled}, 10, seed=7) == draw_sample(POPULATION, 10, seed=7)


def test_sizes_by_percent_round_up_and_by_count_stop_at_the_population():
    assert sample_size(200, "percent", Decimal(5)) == 10
    assert sample_size(201, "percent", Decimal(5)) == 11  # 10.05 → 11
    assert sample_size(3, "percent", Decimal(1)) == 1  # at least one
    assert sample_size(200, "count", Decimal(15)) == 15
    assert sample_size(4, "count", Decimal(15)) == 4
    assert sample_size(0, "count", Decimal(15)) == 0


def test_stratified_one_each_then_in_proportion_to_what_is_left():
    # 10 to draw over 60 + 30 + 10 (+ an empty stratum): 1 each, then 7 over 59:29:9.
    allocation = allocate({"a": 60, "b": 30, "c": 10, "d": 0}, 10, random.Random(0))
    assert allocation == {"a": 5, "b": 3, "c": 2, "d": 0}
    assert sum(allocation.values()) == 10


def test_a_small_stratum_still_gets_one():
    allocation = allocate({"big": 1000, "small": 1}, 5, random.Random(0))
    assert allocation == {"big": 4, "small": 1}


def test_fewer_to_draw_than_strata_the_seed_chooses_the_strata():
    sizes = {"a": 5, "b": 5, "c": 5, "d": 5}
    chosen = allocate(sizes, 2, random.Random(3))
    assert sum(chosen.values()) == 2 and max(chosen.values()) == 1
    assert chosen == allocate(sizes, 2, random.Random(3))


def test_a_stratified_draw_takes_the_allocation_from_each_stratum():
    strata = {"u1": list(range(1, 61)), "u2": list(range(100, 130)), "u3": [500, 501]}
    drawn = draw_sample(strata, 9, seed=42)
    assert len(drawn) == len(set(drawn)) == 9
    from_each = {key: len(set(drawn) & set(pks)) for key, pks in strata.items()}
    assert from_each == allocate({k: len(v) for k, v in strata.items()}, 9, random.Random(42))
    assert all(count >= 1 for count in from_each.values())
    assert drawn == draw_sample(strata, 9, seed=42)
