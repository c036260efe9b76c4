"""What every part of the original library's migration shares: its errors and small checks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["check_keys", "describe_keys", "fail", "is_int"]


def fail(where: str, message: str) -> ValueError:
    """The error refusing what is at ``where`` in the original's state (returned, for ``raise``)."""
    return ValueError(f"state: {where}: {message}")


def check_keys(where: str, model: Mapping[str, Any], known: set[str]) -> None:
    """Refuse keys of ``model`` outside ``known``: they would be dropped, and nothing is dropped silently."""
    unknown = set(model) - known
    if unknown:
        raise fail(where, f"cannot migrate keys {sorted(unknown)}: this pybandits has no equivalent")


def describe_keys(document: Any) -> str:
    """A short description of a parsed JSON document, for error messages."""
    if isinstance(document, Mapping):
        return f"an object with keys {sorted(map(str, document))[:10]}"
    return f"a JSON {type(document).__name__}"


def is_int(value: Any) -> bool:
    """Whether ``value`` is an integer (booleans are not)."""
    return isinstance(value, int) and not isinstance(value, bool)
