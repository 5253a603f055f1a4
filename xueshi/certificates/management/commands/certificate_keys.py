"""manage.py certificate_keys [--authority PK] [--replace]: each authority's signing keys.

Writes, per authority, a PAdES key and self-signed certificate, an SM2 key pair and the seal
image into settings.CERTIFICATE_KEYS_DIR/<pk>/ (outside the database). Existing keys are kept
unless --replace (certificates signed with the old keys then no longer verify: keep a copy).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from xueshi.certificates.keys import create_authority_keys, keys_dir, keys_exist
from xueshi.core.audit import audit_record
from xueshi.orgs.models import Organization, OrganizationKind


class Command(BaseCommand):
    help = "为认定机构生成证书签章密钥（PAdES 证书、SM2 密钥对）及印章图片，保存在数据库之外。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--authority", type=int, help="only this authority (pk)")
        parser.add_argument("--replace", action="store_true", help="replace existing keys")

    def handle(self, *args: Any, **options: Any) -> None:
        authorities = Organization.objects.filter(kind=OrganizationKind.AUTHORITY).order_by("pk")
        if options["authority"]:
            authorities = authorities.filter(pk=options["authority"])
            if not authorities.exists():
                raise CommandError(f"认定机构 {options['authority']} 不存在")
        for authority in authorities:
            existed = keys_exist(authority.pk)
            folder = create_authority_keys(authority.pk, authority.name, replace=options["replace"])
            if existed and not options["replace"]:
                self.stdout.write(f"kept     {authority.name}: {folder}")
                continue
            audit_record(
                action="certificates.keys_created",
                target=authority,
                details={"replaced": existed},
            )
            self.stdout.write(self.style.SUCCESS(f"created  {authority.name}: {folder}"))
        self.stdout.write(f"keys in {keys_dir()}")
