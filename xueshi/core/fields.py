"""Model fields for personal data encrypted at rest (see xueshi/core/crypto.py).

`EncryptedCharField` holds the plain value in Python and SM4-GCM text in the database, so code
reading `person.id_number` is unchanged. Its values never repeat (random nonce), so the
database cannot compare them: every lookup but ``isnull`` is refused rather than silently
matching nothing; look values up through a `LookupDigestField` instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import models

from .crypto import decrypt, encrypt, lookup_digest


class EncryptedCharField(models.CharField):
    """``max_length`` limits the plain value (forms, validation); the column is text."""

    def get_internal_type(self) -> str:
        return "TextField"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        # An empty value stays empty: a blank phone number is not personal data.
        if value is None or value == "":
            return value
        return encrypt(value)

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        return None

    def get_transform(self, lookup_name: str) -> Any:
        return None


class LookupDigestField(models.CharField):
    """The keyed HMAC-SM3 digest of another field's normalised value, computed on every save
    (``pre_save``: ``Model.save``, ``bulk_create`` and ``core.bulk`` all call it), so the two
    never drift apart. A ``QuerySet.update`` of the source field bypasses it: do not."""

    def __init__(
        self,
        *args: Any,
        source: str = "",
        normalise: Callable[[str], str] | None = None,
        **kwargs: Any,
    ) -> None:
        self.source = source
        self.normalise = normalise or (lambda value: value)
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        if kwargs.get("max_length") == 64:
            del kwargs["max_length"]
        kwargs.pop("editable", None)
        return name, path, args, kwargs

    def digest_of(self, value: str | None) -> str | None:
        if not value:
            return None
        return lookup_digest(self.normalise(value))

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        digest = self.digest_of(getattr(model_instance, self.source))
        setattr(model_instance, self.attname, digest)
        return digest
