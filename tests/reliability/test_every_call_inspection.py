"""The wrong calls of the inspection readers (to_inference_data, effects, explain), on every bandit class.

Each wrong call raises the documented error naming the argument, with what was expected and what
came, and leaves the bandit as it was, its random generator included.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pytest

import pybandits.cmab
import pybandits.smab
from pybandits import state as _state
from pybandits.bandits.base import BaseMab


def _public_bandits(module: Any) -> list[type]:
    """Every public bandit class of ``module``: new classes join the table without editing it."""
    return [
        getattr(module, name)
        for name in module.__all__
        if isinstance(getattr(module, name), type) and issubclass(getattr(module, name), BaseMab)
        and not name.startswith("Base")
    ]  # fmt: skip


SMAB, CMAB = _public_bandits(pybandits.smab), _public_bandits(pybandits.cmab)


def cold(cls: type, **overrides: Any) -> Any:
    ids = {"action_ids_cost": {"a": 1.0, "b": 2.0}} if cls.__name__.endswith("CC") else {"action_ids": ["a", "b"]}
    if cls.__name__.endswith("DP"):
        ids = {"action_ids": ["a", "b"], "action_ids_price": {"a": 1.0, "b": 2.0}}
    if "MO" in cls.__name__:
        ids["n_objectives"] = 2
    if cls.__name__.startswith("Cmab"):
        ids["n_features"] = 2
    return cls.cold_start(**{**ids, "random_seed": 0, **overrides})


@dataclass(frozen=True)
class Bad:
    name: str
    make: Callable[[], Any]
    call: Callable[[Any], Any]
    error: type[Exception]
    argument: str
    detail: str = ""


def categorical() -> Any:
    mab = pybandits.cmab.CmabBernoulli.cold_start(
        action_ids=["a", "b"], n_features=2, feature_names=["x", "country"], categorical_features={"country": 4},
        hidden_dim_list=[], update_kwargs={"num_steps": 5}, random_seed=0,
    )  # fmt: skip
    mab.update(context=pd.DataFrame({"x": [0.1, 0.2], "country": ["fr", "de"]}), actions=["a", "b"], rewards=[1, 0])
    return mab


def rows() -> list[Bad]:
    table: list[Bad] = []
    for cls in SMAB + CMAB:
        n, make = cls.__name__, (lambda c=cls: cold(c))
        row = None if n.startswith("Smab") else [0.0, 1.0]
        table += [
            Bad(f"{n}.to_inference_data n_draws", make, lambda m: m.to_inference_data(n_draws=0), ValueError,
                "n_draws"),
            Bad(f"{n}.to_inference_data huge", make, lambda m: m.to_inference_data(n_draws=10**13), ValueError,
                "n_draws"),
            Bad(f"{n}.to_inference_data seed", make, lambda m: m.to_inference_data(random_seed=-1), ValueError,
                "random_seed"),
            Bad(f"{n}.explain n_draws", make, lambda m, r=row: m.explain(r, n_draws=0), ValueError, "n_draws"),
            Bad(f"{n}.explain ci_prob", make, lambda m, r=row: m.explain(r, ci_prob=1.5), ValueError, "ci_prob"),
            Bad(f"{n}.explain ci_prob type", make, lambda m, r=row: m.explain(r, ci_prob="94%"), TypeError, "ci_prob"),
            Bad(f"{n}.explain forbidden", make, lambda m, r=row: m.explain(r, forbidden_actions=["a", "b"]),
                ValueError, "forbidden_actions"),
        ]  # fmt: skip
        if n.startswith("Smab"):
            table += [
                Bad(f"{n}.explain row", make, lambda m: m.explain([0.0]), TypeError, "row", "no context"),
                Bad(f"{n}.effects", make, lambda m: m.effects(None), TypeError, "mab", "no context"),
            ]
            continue
        table += [
            Bad(f"{n}.explain width", make, lambda m: m.explain([0.0, 1.0, 2.0]), ValueError, "row", "3"),
            Bad(f"{n}.explain no row", make, lambda m: m.explain(), TypeError, "row", "None"),
            Bad(f"{n}.effects no features", make, lambda m: m.effects(np.zeros((3, 2)), features=[]), ValueError,
                "features"),
            Bad(f"{n}.effects twice", make, lambda m: m.effects(np.zeros((3, 2)), features=["x0", "x0"]), ValueError,
                "features"),
            Bad(f"{n}.explain huge n_draws", make, lambda m: m.explain([0.0, 1.0], n_draws=10**13), ValueError,
                "n_draws"),
            Bad(f"{n}.explain two rows", make, lambda m: m.explain(np.zeros((2, 2))), ValueError, "row", "2 rows"),
            Bad(f"{n}.effects width", make, lambda m: m.effects(np.zeros((3, 5))), ValueError, "context", "5"),
            Bad(f"{n}.effects n_draws", make, lambda m: m.effects(np.zeros((3, 2)), n_draws=0), ValueError, "n_draws"),
            Bad(f"{n}.effects feature", make, lambda m: m.effects(np.zeros((3, 2)), features=["age"]), ValueError,
                "features", "'age'"),
            Bad(f"{n}.effects features type", make, lambda m: m.effects(np.zeros((3, 2)), features="x0"), TypeError,
                "features"),
            Bad(f"{n}.effects ci_prob", make, lambda m: m.effects(np.zeros((3, 2)), ci_prob=0.0), ValueError,
                "ci_prob"),
            Bad(f"{n}.effects no rows", make, lambda m: m.effects(np.zeros((0, 2))), ValueError, "context"),
            Bad(f"{n}.effects nan", make, lambda m: m.effects(np.array([[0.0, np.nan]])), ValueError, "context"),
            Bad(f"{n}.effects n_draws bool", make, lambda m: m.effects(np.zeros((3, 2)), n_draws=True), TypeError,
                "n_draws"),
            Bad(f"{n}.explain frame rows", make, lambda m: m.explain(pd.DataFrame(np.zeros((2, 2)))), ValueError,
                "row", "2 rows"),
            Bad(f"{n}.effects quantities", make, lambda m: m.effects(np.zeros((3, 2)), quantities={"a": [0.5]}),
                ValueError, "quantities", "'a'"),
        ]  # fmt: skip
    unknown = pd.DataFrame({"x": [0.0], "country": ["jp"]})
    table += [
        Bad("categorical effects unknown level", categorical, lambda m: m.effects(unknown), ValueError, "context",
            "got 'jp'"),
        Bad("categorical explain unknown level", categorical, lambda m: m.explain(unknown), ValueError, "row",
            "got 'jp'"),
        Bad("categorical explain code", categorical, lambda m: m.explain([0.0, 3.0]), ValueError, "row", "3"),
    ]  # fmt: skip
    return table


TABLE = rows()


@pytest.mark.parametrize("bad", TABLE, ids=[bad.name for bad in TABLE])
def test_a_wrong_inspection_call_is_named_and_changes_nothing(bad):
    mab = bad.make()
    before = _state.to_document(mab)
    with pytest.raises(bad.error) as caught:
        bad.call(mab)
    message = str(caught.value)
    assert f"{bad.argument}:" in message, message
    assert "expected" in message and "got" in message, message
    assert bad.detail in message, message
    assert _state.to_document(mab) == before


def test_the_table_has_one_name_per_row_and_covers_every_class():
    names = [bad.name for bad in TABLE]
    assert len(names) == len(set(names))
    assert len(SMAB) == len(CMAB) == 11  # every family, strategy and pricing variant
    assert {cls.__name__ for cls in SMAB + CMAB} <= {name.split(".")[0] for name in names}
