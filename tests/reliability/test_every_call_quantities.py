"""The table of wrong calls, for quantities, prices, forbidden regions and offline evaluation.

As in ``test_every_call.py``: each row builds its subject (a bandit, a bandit with its logs, or
nothing), snapshots it, makes one wrong call, and checks the error, that its message names the
argument with what was expected and what came, and that the snapshot is unchanged. A bandit's
snapshot is its whole state document, random generator included: a price function that fails after
the quantities were drawn, or regions refused after a draw, would show as a change. Logs are
snapshotted as their CSV text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import pybandits
from pybandits import state as _state
from pybandits.bandits.base import BaseMab
from pybandits.cmab import CmabBernoulli, CmabBernoulliDP, CmabGaussian
from pybandits.model.zooming import Zooming
from pybandits.offline import evaluate
from pybandits.simulation import CmabSimulator, SmabSimulator
from pybandits.smab import SmabBernoulli, SmabBernoulliCC, SmabBernoulliDP, SmabBernoulliMO, SmabGaussian

# -- subjects -----------------------------------------------------------------------------------


def smab(dimension: int = 1, **kwargs: Any) -> SmabBernoulli:
    settings = {"action_ids": ["a"], "quantitative_action_ids": {"dose": dimension}, "random_seed": 0}
    return SmabBernoulli.cold_start(**{**settings, **kwargs})


def cmab(cls: type = CmabBernoulli, **kwargs: Any) -> Any:
    settings = {
        "action_ids": ["a"],
        "quantitative_action_ids": {"dose": 1},
        "n_features": 2,
        "hidden_dim_list": [3],
        "random_seed": 0,
    }
    return cls.cold_start(**{**settings, **kwargs})


def _price(quantities: np.ndarray) -> np.ndarray:
    return 1.0 + 9.0 * quantities[:, 0]


def smab_dp(price: Callable = _price) -> SmabBernoulliDP:
    return SmabBernoulliDP.cold_start(
        action_ids=["a"], quantitative_action_ids=["dose"], action_ids_price={"a": 2.0, "dose": price}, random_seed=0
    )


def cmab_dp(price: Callable = _price) -> CmabBernoulliDP:
    return cmab(CmabBernoulliDP, action_ids_price={"a": 2.0, "dose": price})


def logs(n: int = 20, **columns: Any) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"action": rng.choice(["a", "b"], n), "reward": rng.integers(0, 2, n)})
    return frame.assign(**columns)


def plain() -> SmabBernoulli:
    return SmabBernoulli.cold_start(action_ids=["a", "b"], random_seed=0)


@dataclass(frozen=True)
class Bad:
    """A wrong call: ``call(subject)`` must raise ``error`` naming ``argument`` and containing ``detail``."""

    name: str
    make: Callable[[Path], Any]
    call: Callable[[Any], Any]
    error: type[Exception]
    argument: str
    detail: str = ""


def snapshot(subject: Any) -> Any:
    if isinstance(subject, BaseMab):
        return _state.to_document(subject)
    if isinstance(subject, pd.DataFrame):
        return [str(c) for c in subject.columns], subject.dtypes.astype(str).tolist(), subject.to_csv()
    if isinstance(subject, Path):
        return {p.name: p.read_bytes() if p.is_file() else None for p in sorted(subject.parent.iterdir())}
    if isinstance(subject, tuple):
        return tuple(snapshot(part) for part in subject)
    return None


def nothing(_: Path) -> None:
    return None


def _writes(quantities: np.ndarray) -> np.ndarray:
    quantities[:] = 0.123  # into the library's own quantities, if it were given them
    return 1.0 + quantities[:, 0]


#: Price functions a hostile user writes, with what the refusal says about what came.
BAD_PRICES: list[tuple[str, Callable, str]] = [
    ("raises", lambda q: 1 / 0, "ZeroDivisionError"),
    ("negative", lambda q: -np.ones(len(q)), "got -1.0"),
    ("zero", lambda q: np.zeros(len(q)), "got 0.0"),
    ("nan", lambda q: np.full(len(q), np.nan), "got nan"),
    ("inf", lambda q: np.full(len(q), np.inf), "got inf"),
    ("None", lambda q: None, "None"),
    ("too few", lambda q: np.ones(2), "shape (2,)"),
    ("too many", lambda q: np.ones(len(q) + 1), "got shape"),
    ("a column too many", lambda q: np.ones((len(q), 2)), "got shape"),
    ("strings", lambda q: ["9.99"] * len(q), "9.99"),
    ("booleans", lambda q: np.ones(len(q), dtype=bool), "True"),
    ("a mapping", lambda q: {"price": 1.0}, "price"),
    ("writes its argument", _writes, "read-only"),
]


def _cold_start_rows() -> list[Bad]:
    quantitative = [
        ("a string", "dose", TypeError, "'dose'"),
        ("an integer", 3, TypeError, "3"),
        ("dimension 0", {"dose": 0}, ValueError, "got 0"),
        ("dimension 1.5", {"dose": 1.5}, ValueError, "got 1.5"),
        ("dimension True", {"dose": True}, ValueError, "got True"),
        ("dimension text", {"dose": "1"}, ValueError, "'1'"),
        ("empty id", {"": 1}, ValueError, "''"),
        ("id not a string", {3: 1}, ValueError, "3"),
        ("an ordinary id", ["a"], ValueError, "['a']"),
        ("duplicates", ["d", "d"], ValueError, "['d']"),
    ]
    table = [
        Bad(
            f"{cls.__name__}.cold_start quantitative_action_ids {what}",
            nothing,
            lambda _, c=cls, v=value: (smab if c is SmabBernoulli else cmab)(quantitative_action_ids=v),
            error,
            "quantitative_action_ids",
            detail,
        )
        for cls in (SmabBernoulli, CmabBernoulli)
        for what, value, error, detail in quantitative
    ]
    settings = [
        ("unknown", {"foo": 1}, ValueError, "['foo']"),
        ("not a mapping", [1], TypeError, "[1]"),
        ("n_max_segments 0", {"n_max_segments": 0}, ValueError, "n_max_segments"),
        ("n_max_segments text", {"n_max_segments": "x"}, TypeError, "n_max_segments"),
        ("split_evidence 1", {"split_evidence": 1.0}, ValueError, "split_evidence"),
        ("split_evidence nan", {"split_evidence": float("nan")}, ValueError, "split_evidence"),
        ("min_samples_to_split 0", {"min_samples_to_split": 0}, ValueError, "min_samples_to_split"),
        ("zoom_after 0", {"zoom_after": 0}, ValueError, "zoom_after"),
        ("n_candidates", {"n_candidates": 3}, ValueError, "n_candidates"),
    ]
    table += [
        Bad(
            f"SmabBernoulli.cold_start quantitative_kwargs {what}",
            nothing,
            lambda _, v=value: smab(quantitative_kwargs=v),
            error,
            "quantitative_kwargs",
            detail,
        )
        for what, value, error, detail in settings
    ]
    table += [
        Bad(
            "SmabBernoulli.cold_start quantitative_kwargs alone",
            nothing,
            lambda _: SmabBernoulli.cold_start(action_ids=["a"], quantitative_kwargs={"n_max_segments": 4}),
            ValueError,
            "quantitative_kwargs",
            "alone",
        ),
        Bad(
            "CmabBernoulli.cold_start quantitative_kwargs n_candidates 1",
            nothing,
            lambda _: cmab(quantitative_kwargs={"n_candidates": 1}),
            ValueError,
            "quantitative_kwargs",
            "got 1",
        ),
        Bad(
            "CmabBernoulli.cold_start quantitative_kwargs n_candidates text",
            nothing,
            lambda _: cmab(quantitative_kwargs={"n_candidates": "x"}),
            ValueError,
            "quantitative_kwargs",
            "'x'",
        ),
        Bad(
            "CmabBernoulli.cold_start quantitative_kwargs zooming settings",
            nothing,
            lambda _: cmab(quantitative_kwargs={"n_max_segments": 4}),
            ValueError,
            "quantitative_kwargs",
            "n_max_segments",
        ),
        Bad(
            "CmabBernoulli.cold_start quantitative without hidden layers",
            nothing,
            lambda _: cmab(hidden_dim_list=None),
            ValueError,
            "quantitative_action_ids",
            "hidden_dim_list",
        ),
        Bad(
            "CmabBernoulli.cold_start quantitative with a backbone",
            nothing,
            lambda _: cmab(backbone_hidden_dim_list=[3]),
            ValueError,
            "quantitative_action_ids",
            "backbone",
        ),
        Bad(
            "SmabBernoulliMO.cold_start quantitative",
            nothing,
            lambda _: SmabBernoulliMO.cold_start(action_ids=["a"], n_objectives=2, quantitative_action_ids=["q"]),
            TypeError,
            "quantitative_action_ids",
            "multi-objective",
        ),
        Bad(
            "SmabBernoulliCC.cold_start quantitative without its cost",
            nothing,
            lambda _: SmabBernoulliCC.cold_start(action_ids_cost={"a": 1.0}, quantitative_action_ids=["q"]),
            ValueError,
            "action_ids_cost",
            "['q']",
        ),
        Bad(
            "SmabGaussian.cold_start quantitative prior",
            nothing,
            lambda _: SmabGaussian.cold_start(quantitative_action_ids=["q"], prior={"kappa": -1.0}),
            ValueError,
            "prior",
            "kappa",
        ),
    ]
    prices = [
        ("None", None, TypeError, "None"),
        ("a list", [1.0], TypeError, "[1.0]"),
        ("missing", {"a": 1.0}, ValueError, "['dose']"),
        ("unknown", {"a": 1.0, "dose": 1.0, "z": 1.0}, ValueError, "['z']"),
        ("zero", {"a": 0.0, "dose": 1.0}, ValueError, "0.0"),
        ("negative", {"a": -1.0, "dose": 1.0}, ValueError, "-1.0"),
        ("nan", {"a": float("nan"), "dose": 1.0}, ValueError, "nan"),
        ("inf", {"a": float("inf"), "dose": 1.0}, ValueError, "inf"),
        ("text", {"a": "9.99", "dose": 1.0}, ValueError, "'9.99'"),
        ("boolean", {"a": True, "dose": 1.0}, ValueError, "True"),
        ("function of an ordinary action", {"a": _price, "dose": 1.0}, TypeError, "'a'"),
    ]
    for cls in (SmabBernoulliDP, CmabBernoulliDP):
        for what, value, error, detail in prices:
            make = smab if cls is SmabBernoulliDP else cmab
            table.append(
                Bad(
                    f"{cls.__name__}.cold_start action_ids_price {what}",
                    nothing,
                    lambda _, m=make, c=cls, v=value: (
                        m(cls=c, action_ids_price=v)
                        if m is cmab
                        else c.cold_start(action_ids=["a"], quantitative_action_ids=["dose"], action_ids_price=v)
                    ),
                    error,
                    "action_ids_price",
                    detail,
                )
            )
    table.append(
        Bad(
            "SmabBernoulli.cold_start action_ids_price without pricing",
            nothing,
            lambda _: smab(action_ids_price={"a": 1.0, "dose": 1.0}),
            TypeError,
            "action_ids_price",
            "DP",
        )
    )
    return table


def _region_rows() -> list[Bad]:
    """Forbidden regions that are malformed, or leave nothing: refused before anything is drawn."""
    regions = [
        ("for an ordinary action", {"a": [([0.0], [0.5])]}, ValueError, "ordinary action 'a'"),
        ("for an unknown action", {"zz": [([0.0], [0.5])]}, ValueError, "unknown action 'zz'"),
        ("unknown action", {"zz": None}, ValueError, "['zz']"),
        ("a string", {"dose": "0-0.5"}, TypeError, "'0-0.5'"),
        ("a number", {"dose": 5}, TypeError, "5"),
        ("a boolean", {"dose": True}, TypeError, "True"),
        ("a mapping", {"dose": {"low": 0.1, "high": 0.2}}, TypeError, "low"),
        ("low above high", {"dose": [([0.6], [0.5])]}, ValueError, "low=[0.6]"),
        ("empty box", {"dose": [([0.5], [0.5])]}, ValueError, "low=[0.5]"),
        ("outside [0, 1]", {"dose": [([-0.1], [1.5])]}, ValueError, "low=[-0.1]"),
        ("wrong dimension", {"dose": [([0.0, 0.0], [1.0, 1.0])]}, ValueError, "low=[0.0, 0.0]"),
        ("nan", {"dose": [([float("nan")], [0.5])]}, ValueError, "nan"),
        ("infinite", {"dose": [([0.0], [float("inf")])]}, ValueError, "inf"),
        ("not a pair", {"dose": [([0.1],)]}, ValueError, "([0.1],)"),
        ("three corners", {"dose": [([0.1], [0.2], [0.3])]}, ValueError, "[0.3]"),
        ("text corners", {"dose": [(["a"], ["b"])]}, ValueError, "['a']"),
        ("a bare pair", {"dose": (0.1, 0.2)}, ValueError, "0.1"),
        ("covering all", {"dose": [([0.0], [1.0])]}, ValueError, "covering all"),
        ("covering all in two", {"dose": [([0.0], [0.4]), ([0.4], [1.0])]}, ValueError, "covering all"),
        (
            "covering all but no float",
            {"dose": [([0.0], [0.5]), ([float(np.nextafter(0.5, 1))], [1.0])]},
            ValueError,
            "covering all",
        ),
        ("every action forbidden", {"a": None, "dose": None}, ValueError, "at least one action"),
        ("a string of ids", "a", TypeError, "'a'"),
    ]
    calls = {
        "SmabBernoulli.predict": (smab, lambda m, f: m.predict(n_samples=3, forbidden_actions=f)),
        "SmabBernoulli.action_probabilities": (smab, lambda m, f: m.action_probabilities(forbidden_actions=f)),
        "CmabBernoulli.predict": (cmab, lambda m, f: m.predict(np.zeros((2, 2)), forbidden_actions=f)),
        "CmabBernoulli.predict_arrays": (cmab, lambda m, f: m.predict_arrays(np.zeros((2, 2)), forbidden_actions=f)),
        "CmabBernoulli.action_probabilities": (
            cmab,
            lambda m, f: m.action_probabilities(np.zeros((2, 2)), n_draws=5, forbidden_actions=f),
        ),
    }
    table = [
        Bad(
            f"{call} forbidden_actions {what}",
            lambda _, m=make: m(),
            lambda m, c=run, f=value: c(m, f),
            error,
            "forbidden_actions",
            detail,
        )
        for call, (make, run) in calls.items()
        for what, value, error, detail in regions
    ]
    two = [
        ("1-D boxes", {"dose": [([0.0], [1.0])]}, "low=[0.0]"),
        ("covering all", {"dose": [([0.0, 0.0], [1.0, 0.5]), ([0.0, 0.5], [1.0, 1.0])]}, "covering all"),
    ]
    table += [
        Bad(
            f"SmabBernoulli.predict 2-D forbidden_actions {what}",
            lambda _: smab(2),
            lambda m, f=value: m.predict(forbidden_actions=f),
            ValueError,
            "forbidden_actions",
            detail,
        )
        for what, value, detail in two
    ]
    table += [
        Bad(
            "SmabBernoulli.predict n_samples",
            lambda _: smab(),
            lambda m: m.predict(n_samples=0),
            ValueError,
            "n_samples",
        ),
        Bad(
            "CmabBernoulli.predict_arrays return_quantities",
            lambda _: cmab(),
            lambda m: m.predict_arrays(np.zeros((2, 2)), return_quantities="yes"),
            TypeError,
            "return_quantities",
        ),
        Bad(
            "CmabBernoulli.action_probabilities n_draws",
            lambda _: cmab(),
            lambda m: m.action_probabilities(np.zeros((2, 2)), n_draws=0),
            ValueError,
            "n_draws",
        ),
    ]
    return table


def _price_function_rows() -> list[Bad]:
    """Price functions that fail: found after the quantities are drawn, so the generator is put back."""
    calls = {
        "SmabBernoulliDP.predict": (smab_dp, lambda m: m.predict(n_samples=4)),
        "SmabBernoulliDP.action_probabilities": (smab_dp, lambda m: m.action_probabilities(n_draws=4)),
        "CmabBernoulliDP.predict": (cmab_dp, lambda m: m.predict(np.zeros((2, 2)))),
        "CmabBernoulliDP.predict_arrays": (cmab_dp, lambda m: m.predict_arrays(np.zeros((2, 2)))),
        "CmabBernoulliDP.action_probabilities": (cmab_dp, lambda m: m.action_probabilities(np.zeros((2, 2)), 4)),
    }
    return [
        Bad(
            f"{call} price function {what}",
            lambda _, m=make, f=function: m(f),
            run,
            ValueError,
            "action_ids_price",
            detail,
        )
        for call, (make, run) in calls.items()
        for what, function, detail in BAD_PRICES
    ]


def _update_rows() -> list[Bad]:
    bad = [
        ("None for a quantitative row", ["dose"], [None], ValueError, "None"),
        ("a quantity for an ordinary row", ["a"], [[0.5]], ValueError, "'a'"),
        ("above 1", ["dose"], [[1.5]], ValueError, "[1.5]"),
        ("below 0", ["dose"], [[-0.1]], ValueError, "[-0.1]"),
        ("nan", ["dose"], [[float("nan")]], ValueError, "nan"),
        ("text", ["dose"], [["x"]], ValueError, "'x'"),
        ("wrong dimension", ["dose"], [[0.1, 0.2]], ValueError, "[0.1, 0.2]"),
        ("one entry short", ["dose", "a"], [[0.1]], ValueError, "[[0.1]]"),
        ("a string", ["dose"], "0.5", TypeError, "'0.5'"),
        ("a number", ["dose"], 0.5, TypeError, "0.5"),
        ("no quantity given", ["dose"], None, ValueError, "None"),
    ]
    table = []
    for what, actions, quantities, error, detail in bad:
        table += [
            Bad(
                f"SmabBernoulli.update quantities {what}",
                lambda _: smab(),
                lambda m, a=actions, q=quantities: m.update(actions=a, rewards=[1] * len(a), quantities=q),
                error,
                "quantities",
                detail,
            ),
            Bad(
                f"CmabBernoulli.update quantities {what}",
                lambda _: cmab(),
                lambda m, a=actions, q=quantities: m.update(
                    actions=a, rewards=[1] * len(a), context=np.zeros((len(a), 2)), quantities=q
                ),
                error,
                "quantities",
                detail,
            ),
        ]
    table += [
        Bad(
            "SmabBernoulli.update a choice of an unknown action",
            lambda _: smab(),
            lambda m: m.update(actions=[("zz", (0.5,))], rewards=[1]),
            ValueError,
            "actions",
            "['zz']",
        ),
        Bad(
            "SmabBernoulli.update a choice without its quantity",
            lambda _: smab(),
            lambda m: m.update(actions=[("dose", None)], rewards=[1]),
            ValueError,
            "quantities",
            "None",
        ),
        Bad(
            "SmabBernoulli.update a choice outside [0, 1]",
            lambda _: smab(),
            lambda m: m.update(actions=[("dose", (2.0,))], rewards=[1]),
            ValueError,
            "quantities",
            "[2.0]",
        ),
        Bad(
            "SmabBernoulli.update a reward outside [0, 1] at a quantity",
            lambda _: smab(),
            lambda m: m.update(actions=["dose"], rewards=[2], quantities=[[0.5]]),
            ValueError,
            "rewards",
            "2.0",
        ),
    ]
    return table


def _state_rows() -> list[Bad]:
    state = smab_dp().get_state()[1]

    def saved(folder: Path) -> Path:
        path = folder / "pricing.json"
        pybandits.save(smab_dp(), path)
        return path

    return [
        Bad(
            "SmabBernoulliDP.from_state without its price function",
            nothing,
            lambda _: SmabBernoulliDP.from_state(state),
            ValueError,
            "price_functions",
            "['dose']",
        ),
        Bad(
            "SmabBernoulliDP.from_state price_functions not a mapping",
            nothing,
            lambda _: SmabBernoulliDP.from_state(state, price_functions=[_price]),
            TypeError,
            "price_functions",
        ),
        Bad(
            "SmabBernoulliDP.from_state price_functions not callable",
            nothing,
            lambda _: SmabBernoulliDP.from_state(state, price_functions={"dose": 3}),
            ValueError,
            "price_functions",
        ),
        Bad(
            "SmabBernoulliDP.from_state price_functions unknown",
            nothing,
            lambda _: SmabBernoulliDP.from_state(state, price_functions={"dose": _price, "z": _price}),
            ValueError,
            "price_functions",
            "['z']",
        ),
        Bad(
            "SmabBernoulli.from_state price_functions it has no use for",
            nothing,
            lambda _: SmabBernoulli.from_state(smab().get_state()[1], price_functions={"dose": _price}),
            ValueError,
            "price_functions",
            "['dose']",
        ),
        Bad(
            "load without the price function",
            saved,
            lambda path: pybandits.load(path),
            ValueError,
            "price_functions",
            "['dose']",
        ),
        Bad(
            "with_price_functions not callable",
            lambda _: smab_dp(),
            lambda m: m.with_price_functions({"dose": "cheap"}),
            ValueError,
            "price_functions",
            "['dose']",
        ),
        Bad(
            "with_price_functions a string",
            lambda _: smab_dp(),
            lambda m: m.with_price_functions("dose"),
            TypeError,
            "price_functions",
            "'dose'",
        ),
    ]


def _zooming_rows() -> list[Bad]:
    def zooming(_: Path) -> Zooming:
        return Zooming.cold_start()

    rng = np.random.default_rng(0)
    return [
        Bad("Zooming.draw n_samples", zooming, lambda z: z.draw(0, rng), ValueError, "n_samples", "0"),
        Bad("Zooming.draw rng", zooming, lambda z: z.draw(1, 3), TypeError, "rng", "3"),
        Bad("Zooming.draw forbidden text", zooming, lambda z: z.draw(1, rng, forbidden="x"), TypeError, "forbidden"),
        Bad(
            "Zooming.draw forbidden nan",
            zooming,
            lambda z: z.draw(1, rng, forbidden=[([np.nan], [1.0])]),
            ValueError,
            "forbidden",
            "nan",
        ),
        Bad(
            "Zooming.draw forbidden wrong dimension",
            zooming,
            lambda z: z.draw(1, rng, forbidden=[([0.0, 0.0], [1.0, 1.0])]),
            ValueError,
            "forbidden",
        ),
        Bad(
            "Zooming.updated quantities outside [0, 1]",
            zooming,
            lambda z: z.updated([[1.5]], [1]),
            ValueError,
            "quantities",
            "1.5",
        ),
        Bad("Zooming.updated rewards", zooming, lambda z: z.updated([[0.5]], [1, 0]), ValueError, "rewards"),
        Bad(
            "Zooming.cold_start family",
            nothing,
            lambda _: Zooming.cold_start(family="poisson"),
            ValueError,
            "family",
            "poisson",
        ),
    ]


def _offline_rows() -> list[Bad]:
    fast = {"estimators": ["ipw"], "n_bootstrap": 10, "random_seed": 0}

    def with_logs(make: Callable[[], Any], frame: Callable[[], pd.DataFrame] = logs) -> Callable[[Path], tuple]:
        return lambda _: (make(), frame())

    def run(**kwargs: Any) -> Callable[[tuple], Any]:
        return lambda subject: evaluate(subject[0], subject[1], **{**fast, **kwargs})

    quantitative_dp = lambda: SmabBernoulliDP.cold_start(  # noqa: E731
        action_ids=["a", "b"], quantitative_action_ids=["q"], action_ids_price={"a": 1.0, "b": 2.0, "q": _price}
    )
    cmab1 = lambda: CmabBernoulli.cold_start(action_ids=["a", "b"], n_features=1, random_seed=0)  # noqa: E731
    table = [
        Bad("evaluate mab a string", with_logs(plain), lambda s: evaluate("mab", s[1], **fast), TypeError, "mab"),
        Bad(
            "evaluate quantitative stochastic bandit",
            with_logs(lambda: smab(action_ids=["a", "b"])),
            run(),
            ValueError,
            "mab",
            "['dose']",
        ),
        Bad("evaluate quantitative pricing bandit", with_logs(quantitative_dp), run(), ValueError, "mab", "['q']"),
        Bad(
            "evaluate quantitative contextual bandit",
            with_logs(lambda: cmab(action_ids=["a", "b"]), lambda: logs(x0=0.0, x1=0.0)),
            run(),
            ValueError,
            "mab",
            "['dose']",
        ),
        Bad("evaluate logs a list", with_logs(plain), lambda s: evaluate(s[0], [1, 2], **fast), TypeError, "logs"),
        Bad("evaluate logs None", with_logs(plain), lambda s: evaluate(s[0], None, **fast), TypeError, "logs"),
        Bad(
            "evaluate logs a missing file",
            lambda tmp: (plain(), tmp / "missing.csv"),
            lambda s: evaluate(s[0], s[1], **fast),
            ValueError,
            "logs",
            "missing.csv",
        ),
        Bad(
            "evaluate logs a folder",
            lambda tmp: (plain(), tmp),
            lambda s: evaluate(s[0], s[1], **fast),
            ValueError,
            "logs",
        ),
        Bad(
            "evaluate logs without action",
            with_logs(plain, lambda: logs().drop(columns="action")),
            run(),
            ValueError,
            "logs",
            "['action']",
        ),
        Bad(
            "evaluate logs without reward",
            with_logs(plain, lambda: logs().drop(columns="reward")),
            run(),
            ValueError,
            "logs",
            "['reward']",
        ),
        Bad("evaluate logs empty", with_logs(plain, lambda: logs().iloc[:0]), run(), ValueError, "logs", "none"),
        Bad(
            "evaluate logs unknown action",
            with_logs(plain, lambda: logs().assign(action="zz")),
            run(),
            ValueError,
            "logs",
            "['zz']",
        ),
        Bad(
            "evaluate logs reward nan",
            with_logs(plain, lambda: logs().assign(reward=np.nan)),
            run(),
            ValueError,
            "logs",
            "nan",
        ),
        Bad(
            "evaluate logs reward 2",
            with_logs(plain, lambda: logs().assign(reward=2)),
            run(),
            ValueError,
            "logs",
            "2.0",
        ),
        Bad(
            "evaluate logs reward text",
            with_logs(plain, lambda: logs().assign(reward="yes")),
            run(),
            ValueError,
            "logs",
            "'yes'",
        ),
        Bad(
            "evaluate logs propensity 0",
            with_logs(plain, lambda: logs(propensity=0.0)),
            run(),
            ValueError,
            "logs",
            "0.0",
        ),
        Bad(
            "evaluate logs propensity above 1",
            with_logs(plain, lambda: logs(propensity=1.5)),
            run(),
            ValueError,
            "logs",
            "1.5",
        ),
        Bad(
            "evaluate logs propensity nan",
            with_logs(plain, lambda: logs(propensity=np.nan)),
            run(),
            ValueError,
            "logs",
            "nan",
        ),
        Bad(
            "evaluate logs duplicated columns",
            with_logs(plain, lambda: pd.concat([logs(), logs()[["reward"]]], axis=1)),
            run(),
            ValueError,
            "logs",
            "['reward']",
        ),
        Bad(
            "evaluate logs multi-objective without reward_k",
            with_logs(lambda: SmabBernoulliMO.cold_start(action_ids=["a", "b"], n_objectives=2)),
            run(),
            ValueError,
            "logs",
            "reward_0",
        ),
        Bad(
            "evaluate logs without the features",
            with_logs(lambda: CmabBernoulli.cold_start(action_ids=["a", "b"], n_features=2), lambda: logs(x0=0.0)),
            run(),
            ValueError,
            "logs",
            "context",
        ),
        Bad(
            "evaluate logs feature nan",
            with_logs(cmab1, lambda: logs(x0=np.nan, propensity=0.5)),
            run(),
            ValueError,
            "logs",
            "nan",
        ),
        Bad("evaluate estimators unknown", with_logs(plain), run(estimators=["nope"]), ValueError, "estimators"),
        Bad("evaluate estimators a string", with_logs(plain), run(estimators="ipw"), TypeError, "estimators"),
        Bad("evaluate estimators empty", with_logs(plain), run(estimators=[]), ValueError, "estimators"),
        Bad("evaluate n_draws", with_logs(plain), run(n_draws=0), ValueError, "n_draws"),
        Bad("evaluate n_bootstrap", with_logs(plain), run(n_bootstrap=0), ValueError, "n_bootstrap"),
        Bad("evaluate n_folds", with_logs(plain), run(n_folds=1), ValueError, "n_folds"),
        Bad("evaluate level above 1", with_logs(plain), run(level=1.5), ValueError, "level"),
        Bad("evaluate level text", with_logs(plain), run(level="x"), TypeError, "level"),
        Bad("evaluate level nan", with_logs(plain), run(level=float("nan")), ValueError, "level"),
        Bad("evaluate random_seed", with_logs(plain), run(random_seed=-1), ValueError, "random_seed"),
        Bad(
            "evaluate estimated_rewards shape",
            with_logs(plain),
            run(estimators=["dr"], estimated_rewards=np.zeros((3, 2))),
            ValueError,
            "estimated_rewards",
        ),
        Bad(
            "evaluate estimated_rewards nan",
            with_logs(plain),
            run(estimators=["dr"], estimated_rewards=np.full((20, 2), np.nan)),
            ValueError,
            "estimated_rewards",
        ),
        Bad(
            "evaluate estimated_rewards text",
            with_logs(plain),
            run(estimators=["dr"], estimated_rewards="x"),
            TypeError,
            "estimated_rewards",
        ),
        Bad(
            "evaluate hyperparameters unknown estimator",
            with_logs(plain),
            run(hyperparameters={"nope": {}}),
            ValueError,
            "hyperparameters",
            "['nope']",
        ),
        Bad(
            "evaluate hyperparameters unknown name",
            with_logs(plain),
            run(hyperparameters={"ipw": {"zz": 1}}),
            TypeError,
            "hyperparameters",
            "['zz']",
        ),
        Bad(
            "evaluate hyperparameters out of range",
            with_logs(plain),
            run(estimators=["sg_ipw"], hyperparameters={"sg_ipw": {"lambda_": -1}}),
            ValueError,
            "hyperparameters",
            "sg_ipw",
        ),
        Bad(
            "evaluate hyperparameters not a mapping",
            with_logs(plain),
            run(hyperparameters=[1]),
            TypeError,
            "hyperparameters",
        ),
        Bad(
            "evaluate reward_model_kwargs for a stochastic bandit",
            with_logs(plain),
            run(reward_model_kwargs={"num_steps": 5}),
            TypeError,
            "reward_model_kwargs",
        ),
        Bad(
            "evaluate reward_model_kwargs bad setting",
            with_logs(cmab1, lambda: logs(x0=0.0, propensity=0.5)),
            run(estimators=["dr"], reward_model_kwargs={"num_steps": 0}),
            ValueError,
            "reward_model_kwargs",
            "num_steps",
        ),
        Bad(
            "evaluate reward_model_kwargs a string",
            with_logs(cmab1, lambda: logs(x0=0.0, propensity=0.5)),
            run(estimators=["dr"], reward_model_kwargs="x"),
            TypeError,
            "reward_model_kwargs",
        ),
    ]
    return table


def _simulator_rows() -> list[Bad]:
    def world(context: np.ndarray) -> dict:
        return {"a": np.full(len(context), 0.5), "dose": lambda q: np.full(len(q), 0.5)}

    return [
        Bad(
            "SmabSimulator reward surface of the wrong length",
            lambda _: smab(),
            lambda m: SmabSimulator(m, {"a": 0.5, "dose": lambda q: [0.5]}),
            ValueError,
            "probs_reward",
            "(1,)",
        ),
        Bad(
            "SmabSimulator reward surface for an ordinary action",
            lambda _: smab(),
            lambda m: SmabSimulator(m, {"a": lambda q: q[:, 0], "dose": 0.5}),
            TypeError,
            "probs_reward",
            "'a'",
        ),
        Bad(
            "SmabSimulator reward surface that fails",
            lambda _: smab(),
            lambda m: SmabSimulator(m, {"a": 0.5, "dose": lambda q: 1 / 0}),
            ValueError,
            "probs_reward",
            "ZeroDivisionError",
        ),
        Bad(
            "SmabSimulator reward surface that writes the grid",
            lambda _: smab(),
            lambda m: SmabSimulator(m, {"a": 0.5, "dose": _writes}),
            ValueError,
            "probs_reward",
            "read-only",
        ),
        Bad(
            "SmabSimulator price function that fails",
            lambda _: smab_dp(lambda q: -q[:, 0]),
            lambda m: SmabSimulator(m, {"a": 0.5, "dose": 0.5}),
            ValueError,
            "action_ids_price",
        ),
        Bad(
            "CmabSimulator run with a world that fails",
            lambda _: cmab(),
            lambda m: CmabSimulator(m, lambda c: 1 / 0, n_updates=2, batch_size=3, random_seed=0).run(),
            ValueError,
            "reward_fn",
            "ZeroDivisionError",
        ),
        Bad(
            "CmabSimulator run with a world that writes the context",
            lambda _: cmab(),
            lambda m: CmabSimulator(
                m, lambda c: c.fill(0.0) or world(c), n_updates=2, batch_size=3, random_seed=0
            ).run(),
            ValueError,
            "reward_fn",
            "read-only",
        ),
        Bad(
            "SmabSimulator run with a surface that fails in its second round",
            lambda _: smab(),
            lambda m: SmabSimulator(
                m, {"a": 0.5, "dose": _fails_later(4)}, n_updates=3, batch_size=3, random_seed=0
            ).run(),
            ValueError,
            "probs_reward",
            "RuntimeError",
        ),
    ]


def _fails_later(at_call: int) -> Callable:
    """A flat reward surface that fails at its ``at_call``-th call: the checks before the run (two calls on the grid)
    and a first round, learned by the bandit, have passed by then."""
    calls = []

    def surface(quantities: np.ndarray) -> np.ndarray:
        calls.append(1)
        if len(calls) >= at_call:
            raise RuntimeError("the world is gone")
        return np.full(len(quantities), 0.5)

    return surface


def rows() -> list[Bad]:
    return [
        *_cold_start_rows(),
        *_region_rows(),
        *_price_function_rows(),
        *_update_rows(),
        *_state_rows(),
        *_zooming_rows(),
        *_offline_rows(),
        *_simulator_rows(),
    ]


TABLE = rows()


@pytest.mark.parametrize("bad", TABLE, ids=[bad.name for bad in TABLE])
def test_a_wrong_argument_is_named_and_changes_nothing(bad, tmp_path):
    subject = bad.make(tmp_path)
    before = snapshot(subject)
    with pytest.raises(bad.error) as caught:
        bad.call(subject)
    message = str(caught.value)
    assert f"{bad.argument}:" in message, message  # names the argument
    assert "expected" in message and "got" in message, message  # what was expected, and what came
    assert bad.detail in message, message
    assert snapshot(subject) == before


def test_the_table_has_one_name_per_row():
    names = [bad.name for bad in TABLE]
    assert len(names) == len(set(names))


def test_a_gaussian_contextual_bandit_refuses_regions_like_a_bernoulli_one():
    mab = cmab(CmabGaussian)
    before = snapshot(mab)
    with pytest.raises(ValueError, match="forbidden_actions: expected regions of 'dose' that leave some quantity"):
        mab.predict(np.zeros((2, 2)), forbidden_actions={"dose": [([0.0], [1.0])]})
    assert snapshot(mab) == before
