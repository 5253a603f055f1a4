"""A synthetic province for benchmarks: deterministic, valid identifiers, COPY on PostgreSQL.

    manage.py make_province --people 200000 --units 5000 --claims 1000000 --seed 1

Builds on `bench/claims_generator.py`: five regions (an authority each with its policy
profile), supervisors and units of very different sizes with valid unified social credit
codes, people with valid ID numbers and title series, claims over 18 categories (skewed), six
statuses and credit years 2019–2025 with their review chains and verdicts, the yearly totals,
and the statistics summaries (kept by the triggers during the load, checked at the end).
Meant for an empty database: it refuses one that already holds claims.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bench.claims_generator import generate
from xueshi.declarations.models import Declaration
from xueshi.reports.summaries import summaries_match


class Command(BaseCommand):
    help = "生成用于基准测试的模拟省份（确定性数据，证件号码与信用代码均有效）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--people", type=int, default=200_000)
        parser.add_argument("--units", type=int, default=5_000)
        parser.add_argument("--claims", type=int, default=1_000_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--no-check", action="store_true", help="不在生成后核对统计汇总（大规模时节省时间）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if Declaration.objects.exists():
            raise CommandError("数据库中已有申报记录：请在空数据库中生成模拟省份。")
        counts = generate(
            claims=options["claims"],
            seed=options["seed"],
            people=options["people"],
            units=options["units"],
        )
        self.stdout.write(
            f"{counts['units']} 个单位，{counts['people']} 名专业技术人员，"
            f"{counts['declarations']} 条申报，{counts['chain_steps']} 个审核层级，"
            f"{counts['trail_entries']} 条审核记录，用时 {counts['seconds']} 秒。"
        )
        if not options["no_check"]:
            started = time.perf_counter()
            mismatches = summaries_match()
            if mismatches:
                raise CommandError(f"统计汇总与申报记录不一致（{len(mismatches)} 处）。")
            self.stdout.write(f"统计汇总已核对一致（{time.perf_counter() - started:.1f} 秒）。")
