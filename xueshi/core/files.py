"""Files in the media storage that no row refers to (orphans), and their cleanup.

A crash between saving an uploaded file and committing the row that names it (or a transaction
rolled back after the file was written) leaves a file nobody can reach. `orphan_files` finds
the files under MEDIA that no `FileField` of any model names and that are older than a day
(a younger one may belong to a request still in flight); `orphan_files_delete` removes them,
each deletion in the audit log. Run by `manage.py cleanup_orphan_files` (cron, daily) or the
`cleanup_orphan_files_task` task.

The file fields are found through the app registry, so a new model with a `FileField` is
covered without touching this module.
"""

from __future__ import annotations

import errno
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files.storage import Storage, default_storage
from django.db import models
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from .audit import audit_record

logger = logging.getLogger(__name__)

ORPHAN_MIN_AGE = timedelta(days=1)

# --- saving an upload: a full disk is a message, not a server error ---------------------------

DISK_FULL = {errno.ENOSPC, errno.EDQUOT}
STORAGE_FULL_MESSAGE = (
    "服务器存储空间已满，文件未能保存；您填写的其他内容均已保留。请稍后重试，或联系平台管理员。"
)
STORAGE_FAILED_MESSAGE = (
    "服务器存储暂时不可用，文件未能保存；您填写的其他内容均已保留。请稍后重试，或联系平台管理员。"
)


class StorageFailed(ValidationError):
    """The storage refused a file (full disk, quota, read-only …); shown at the upload field.
    A ValidationError, so every form and service that reports refusals reports this one too."""


def file_save(field_file: FieldFile, name: str, content: Any) -> None:
    """`field_file.save(name, content, save=False)`, with a storage failure as `StorageFailed`.

    Called inside the service's transaction before the row is saved: the row is then rolled
    back with the refusal. A partly written file is left to `cleanup_orphan_files`.
    """
    try:
        field_file.save(name, content, save=False)
    except OSError as error:
        logger.error("Storage refused %s: %s", name, error)
        full = error.errno in DISK_FULL
        raise StorageFailed(
            STORAGE_FULL_MESSAGE if full else STORAGE_FAILED_MESSAGE,
            code="storage_full" if full else "storage_failed",
        ) from error


def file_fields() -> list[tuple[type[models.Model], str]]:
    """(model, field name) of every FileField (and ImageField) of every installed model."""
    found = []
    for model in apps.get_models():
        for model_field in model._meta.get_fields():
            if isinstance(model_field, models.FileField):
                found.append((model, model_field.name))
    return found


def referenced_names() -> set[str]:
    """Every file name stored in a FileField column (what must stay)."""
    names: set[str] = set()
    for model, name in file_fields():
        column = model._base_manager.exclude(**{name: ""}).exclude(**{f"{name}__isnull": True})
        names.update(column.values_list(name, flat=True).iterator(chunk_size=2000))
    return names


def walk(storage: Storage, folder: str = "") -> Iterator[str]:
    """Every file name in `storage` under `folder`, relative to the storage's root."""
    try:
        directories, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{folder}/{name}" if folder else name
    for directory in directories:
        yield from walk(storage, f"{folder}/{directory}" if folder else directory)


@dataclass
class OrphanReport:
    found: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)


def orphan_files(*, now: datetime | None = None, storage: Storage | None = None) -> list[str]:
    """Files no row names, last changed more than ORPHAN_MIN_AGE ago, sorted."""
    storage = storage or default_storage
    cutoff = (now or timezone.now()) - ORPHAN_MIN_AGE
    kept = referenced_names()
    orphans = []
    for name in walk(storage):
        if name in kept:
            continue
        if storage.get_modified_time(name) >= cutoff:
            continue
        orphans.append(name)
    return sorted(orphans)


def orphan_files_delete(
    *, dry_run: bool = False, now: datetime | None = None, storage: Storage | None = None
) -> OrphanReport:
    storage = storage or default_storage
    report = OrphanReport(found=orphan_files(now=now, storage=storage))
    if dry_run:
        return report
    for name in report.found:
        # The row may have been written since the scan: check again just before deleting.
        if name in referenced_names_for(name):
            continue
        try:
            storage.delete(name)
        except OSError as error:
            report.failed.append((name, str(error)))
            continue
        report.deleted.append(name)
    if report.deleted or report.failed:
        audit_record(
            action="media.orphans_deleted",
            reason=f"删除无记录引用、超过 {ORPHAN_MIN_AGE.days} 天的文件",
            details={
                "deleted": report.deleted[:500],
                "deleted_count": len(report.deleted),
                "failed": [name for name, _ in report.failed][:500],
            },
        )
    return report


def referenced_names_for(name: str) -> set[str]:
    """{name} if some row names it now, else empty (a targeted re-check)."""
    for model, field_name in file_fields():
        if model._base_manager.filter(**{field_name: name}).exists():
            return {name}
    return set()
