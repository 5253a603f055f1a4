"""manage.py ledger_rebuild [--fix]

Recomputes every stored yearly sum from the ledger entries and prints each difference. Without
--fix, exits with status 1 when there is any; with --fix, replaces the stored sums.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from xueshi.accounts.models import Person
from xueshi.ledger.services import ledger_rebuild
from xueshi.policy.hours import fmt


class Command(BaseCommand):
    help = "按台账记录重新计算年度学时并与已存数值比较；--fix 修正。有差异且未修正时以状态 1 退出。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--fix", action="store_true", help="用台账记录重新计算的数值修正")

    def handle(self, *args: Any, **options: Any) -> None:
        fix: bool = options["fix"]
        mismatches = ledger_rebuild(fix=fix)
        if not mismatches:
            self.stdout.write(self.style.SUCCESS("年度学时与台账记录一致。"))
            return
        people = Person.objects.in_bulk({mismatch.person_id for mismatch in mismatches})
        self.stdout.write(f"发现 {len(mismatches)} 处不一致（公需科目 / 专业科目）：")
        for mismatch in mismatches:
            person = people.get(mismatch.person_id)
            who = (
                f"{person.name}（{person.masked_id_number}）"
                if person
                else f"#{mismatch.person_id}"
            )
            stored = " / ".join(fmt(value) for value in mismatch.stored)
            computed = " / ".join(fmt(value) for value in mismatch.from_entries)
            self.stdout.write(
                f"  {who} {mismatch.credit_year} 年度：已存 {stored}，按台账记录 {computed}"
            )
        if not fix:
            raise CommandError("年度学时与台账记录不一致；使用 --fix 修正。", returncode=1)
        self.stdout.write(self.style.SUCCESS(f"已修正 {len(mismatches)} 处。"))
