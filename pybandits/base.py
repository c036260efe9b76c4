"""Shared types and the pydantic base class of every pybandits object.

Everything a bandit knows (its actions, their posteriors, its strategy and settings) is a
pydantic model derived from :class:`PyBanditsBaseModel`. Those models are the typed description
layer of the library: they validate what they hold and are, serialized, the bandit's JSON state.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

from pybandits.boundary import validation as check

__all__ = ["ActionId", "PyBanditsBaseModel"]

#: An action identifier: a non-empty string.
ActionId = Annotated[str, StringConstraints(min_length=1, strict=True)]


class PyBanditsBaseModel(BaseModel):
    """Base class of all pybandits models.

    Unknown fields are refused (a misspelt setting is an error, not a silent default), and
    assignments and ``model_copy(update=...)`` are validated like construction. Two models are
    equal when they are of the same class and their states (their JSON) are equal; fields holding
    numpy arrays compare by value.

    Examples
    --------
    >>> from pybandits.model.priors import LocationScale
    >>> weights = LocationScale(mu=[0.0, 1.0], sigma=[1.0, 1.0])
    >>> weights == LocationScale(mu=[0.0, 1.0], sigma=[1.0, 1.0]), weights != weights.model_copy(update={"mu": [0, 2]})
    (True, True)
    """

    model_config = ConfigDict(
        extra="forbid",
        validate_assignment=True,
        validate_default=True,
    )

    def __setattr__(self, name: str, value: Any) -> None:
        """Validated assignment that leaves the object unchanged when validation fails.

        Pydantic stores an assigned field before running the model's "after" validators, so a
        refused assignment would otherwise stay in place. The fields are restored in one
        assignment of the object's field dict, never emptied and refilled (a reader in another
        thread sees the old fields or the new ones).
        """
        if name not in type(self).model_fields:
            super().__setattr__(name, value)
            return
        previous = dict(self.__dict__)
        try:
            super().__setattr__(name, value)
        except Exception:
            object.__setattr__(self, "__dict__", previous)
            raise

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy (``deep`` or shallow), with the fields in ``update`` replaced and validated like construction.

        Unlike pydantic's own ``model_copy``, the updated object is validated as a construction
        would validate it (every field's and the model's validators), and a value they refuse
        raises; the original is never changed. The copy holds the validated values of the updated
        fields and, as a copy does, the original's values (or deep copies) of the others and of
        the private attributes.

        Raises
        ------
        ValueError
            When ``update`` names a field the class does not have, or the updated object is invalid
            (TypeError when a value is of the wrong kind).
        """
        copied = super().model_copy(deep=deep)
        if not update:
            return copied
        fields = type(self).model_fields
        unknown = sorted(str(name) for name in update if name not in fields)
        if unknown:
            raise ValueError(f"update: {type(self).__name__} has no field(s) {unknown}; its fields: {list(fields)}")
        try:
            validated = self.__pydantic_validator__.validate_python({**copied.__dict__, **update})
        except ValidationError as error:
            raise check.pydantic_error(error, f"update of {type(self).__name__}") from None
        updated = {name: validated.__dict__[name] for name in update}  # validators never derive other fields
        object.__setattr__(copied, "__dict__", {**copied.__dict__, **updated})
        copied.__pydantic_fields_set__.update(update)
        return copied

    def _replaced(self, **fields: Any) -> Self:
        """A shallow copy with ``fields`` replaced, NOT validated: pydantic's ``model_copy(update=...)``.

        Only for library code on hot paths (prediction, conjugate updates) whose new values are
        valid by construction, e.g. an embedding table grown by one prior row or counts added to
        counts; everything else calls :meth:`model_copy`, which validates.
        """
        return BaseModel.model_copy(self, update=fields)

    def _equality_key(self) -> Any:
        """What two models of the same class must share to be equal: their state as JSON data."""
        return self.model_dump(mode="json")

    def __eq__(self, other: object) -> bool:
        """Same class and same state (:meth:`_equality_key`); arrays compare by value, never ambiguously."""
        if type(other) is not type(self):
            return NotImplemented
        return self._equality_key() == other._equality_key()  # type: ignore[attr-defined]

    __hash__ = None  # type: ignore[assignment]  # mutable; frozen subclasses get pydantic's hash of their fields
