"""The cost of playing an action, for cost-control bandits: one type shared by every action model.

Examples
--------
>>> from pydantic import TypeAdapter
>>> TypeAdapter(Cost).validate_python(1.5)
1.5
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

__all__ = ["Cost"]

#: Cost of playing an action, for cost-control bandits: a finite number >= 0.
Cost = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
