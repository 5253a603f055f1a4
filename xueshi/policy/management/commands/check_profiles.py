"""manage.py check_profiles [paths…]: validate policy profile files, naming every problem."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from xueshi.policy.loader import check_profile_file, profile_files, profiles_dir


class Command(BaseCommand):
    help = (
        "检查政策配置文件（默认 profiles/ 下全部）：逐条列出文件、键路径和原因；"
        "有错误时以非零状态退出。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "paths", nargs="*", help="profile files or folders (default: POLICY_PROFILES_DIR)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        files = self._files([Path(p) for p in options["paths"]])
        if not files:
            raise CommandError(
                f"没有找到政策配置文件（{', '.join(options['paths']) or profiles_dir()}）"
            )
        failed = 0
        prefixes: dict[str, Path] = {}
        for path in files:
            profile, issues = check_profile_file(path)
            if profile is not None:
                # A certificate number names its region: two regions never share a prefix.
                for prefix in {
                    v.certificate.number_prefix for v in profile.versions if v.certificate
                }:
                    if prefix in prefixes:
                        failed += 1
                        self.stderr.write(
                            self.style.ERROR(
                                f"ERROR {path.name}: certificate.number_prefix: 证书编号前缀 "
                                f"{prefix!r} 已由 {prefixes[prefix].name} 使用"
                            )
                        )
                    prefixes.setdefault(prefix, path)
            if profile is None:
                failed += 1
                for issue in issues:
                    self.stderr.write(self.style.ERROR(f"ERROR {issue}"))
                continue
            categories = sum(len(v.leaf_categories()) for v in profile.versions[-1:])
            versions = len(profile.versions)
            suffix = f", {versions} versions" if versions > 1 else ""
            self.stdout.write(self.style.SUCCESS(f"OK {path} ({categories} categories{suffix})"))
        if failed:
            raise CommandError(f"{failed} 个政策配置文件有错误 / {failed} profile file(s) failed")

    @staticmethod
    def _files(paths: list[Path]) -> list[Path]:
        if not paths:
            return profile_files()
        files: list[Path] = []
        for path in paths:
            files.extend(profile_files(path) if path.is_dir() else [path])
        return files
