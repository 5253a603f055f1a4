"""Apply only what changed to a model instance, so the audit log names exactly that."""

from __future__ import annotations

from typing import Any

from django.db import models


def save_changes(instance: models.Model, **values: Any) -> list[str]:
    """Set the fields whose value differs and save just those; return their names.

    A foreign key is given by its field name (`department=<Department or None>`) and compared
    by primary key, so an unchanged relation is not counted as a change.
    """
    changed = []
    for name, new in values.items():
        field = instance._meta.get_field(name)
        if isinstance(field, models.ForeignKey):
            old_key = getattr(instance, field.attname)
            new_key = new.pk if new is not None else None
            if old_key != new_key:
                setattr(instance, name, new)
                changed.append(name)
        elif getattr(instance, name) != new:
            setattr(instance, name, new)
            changed.append(name)
    if changed and instance.pk is not None:
        instance.save(update_fields=changed)
    return changed
