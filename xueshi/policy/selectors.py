"""Reads of the loaded profiles shaped for pages: the profile in force, its rules in words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .hours import describe_rule
from .schema import (
    DECLARANT_LABELS,
    AttachmentRules,
    FieldSpec,
    LeafCategory,
    Level,
    ProfileVersion,
)


@dataclass(frozen=True)
class LevelRow:
    level: Level
    rule_kind: str
    rule_text: str


@dataclass(frozen=True)
class CategoryRow:
    leaf: LeafCategory
    levels: list[LevelRow]
    fields: list[tuple[str, FieldSpec, bool]]
    materials: str
    attachments: AttachmentRules
    declarants: list[str]


def category_rows(version: ProfileVersion) -> list[CategoryRow]:
    rows = []
    for leaf in version.leaf_categories():
        levels = []
        for level in leaf.category.levels:
            rule = version.rule_for(leaf.code, level.code)
            levels.append(LevelRow(level, rule.kind, describe_rule(rule)))
        rows.append(
            CategoryRow(
                leaf=leaf,
                levels=levels,
                fields=version.fields_for(leaf.code),
                materials=version.materials_for(leaf.code),
                attachments=version.attachments_for(leaf.code),
                declarants=[DECLARANT_LABELS[d] for d in version.declarants_for(leaf.code)],
            )
        )
    return rows


def version_dates(
    versions: list[ProfileVersion], current: ProfileVersion
) -> list[tuple[date, bool]]:
    return [(v.effective_from, v is current) for v in versions]
