"""Shared types and the pydantic base class of every pybandits object.

Everything a bandit knows (its actions, their posteriors, its strategy and settings) is a
pydantic model derived from :class:`PyBanditsBaseModel`. Those models are the typed description
layer of the library: they validate what they hold and are, serialized, the bandit's JSON state.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints

__all__ = ["ActionId", "PyBanditsBaseModel"]

#: An action identifier: a non-empty string.
ActionId = Annotated[str, StringConstraints(min_length=1, strict=True)]


class PyBanditsBaseModel(BaseModel):
    """Base class of all pybandits models.

    Unknown fields are refused (a misspelt setting is an error, not a silent default), and
    assignments are validated like construction.
    """

    model_config = ConfigDict(
        extra="forbid",
        validate_assignment=True,
        validate_default=True,
    )

    def __setattr__(self, name: str, value: Any) -> None:
        """Validated assignment that leaves the object unchanged when validation fails.

        Pydantic stores an assigned field before running the model's "after" validators, so a
        refused assignment would otherwise stay in place.
        """
        if name not in type(self).model_fields:
            super().__setattr__(name, value)
            return
        previous = self.__dict__.copy()
        try:
            super().__setattr__(name, value)
        except Exception:
            self.__dict__.clear()
            self.__dict__.update(previous)
            raise
