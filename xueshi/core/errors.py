"""One way to turn a refusal (an exception from a service) into the Chinese text shown."""

from __future__ import annotations

from django.core.exceptions import ValidationError

DEFAULT_REFUSAL = "无权操作。"


def error_messages(error: BaseException, default: str = DEFAULT_REFUSAL) -> list[str]:
    """A ValidationError's messages; any other error's text, or `default` when it has none."""
    if isinstance(error, ValidationError):
        return list(error.messages)
    return [str(error) or default]


def error_text(error: BaseException, sep: str = "；", default: str = DEFAULT_REFUSAL) -> str:
    """The messages of `error_messages` joined into one line."""
    return sep.join(error_messages(error, default))
