"""One table over every public call: a wrong argument gets the documented error, a message naming
the argument with what was expected and what came, and leaves the bandit (or file) as it was.

Each row builds its subject (a bandit, a saved file, or nothing), snapshots it, makes one wrong
call, and checks the error and that the snapshot is unchanged. The snapshot of a bandit is its
whole state document, random generator included, so even a consumed random draw counts as a change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import pybandits
from pybandits import state as _state
from pybandits.bandits.base import BaseMab
from pybandits.bandits.strategies import ClassicBandit
from pybandits.cmab import (
    CmabBernoulli,
    CmabBernoulliBAI,
    CmabBernoulliCC,
    CmabBernoulliMO,
    CmabBernoulliMOCC,
    CmabGaussian,
    CmabGaussianBAI,
    CmabGaussianCC,
    CmabGaussianMO,
    CmabGaussianMOCC,
)
from pybandits.config import bandit_from_config
from pybandits.simulation import CmabSimulator, SmabSimulator
from pybandits.smab import (
    SmabBernoulli,
    SmabBernoulliBAI,
    SmabBernoulliCC,
    SmabBernoulliMO,
    SmabBernoulliMOCC,
    SmabGaussian,
    SmabGaussianBAI,
    SmabGaussianCC,
    SmabGaussianMO,
    SmabGaussianMOCC,
)
from pybandits.transfer import describe_edit, edit_model_on_the_fly


def ids_args(cls: type) -> dict[str, Any]:
    """The action-defining arguments of ``cls.cold_start``."""
    ids = {"action_ids_cost": {"a": 1.0, "b": 2.0}} if cls.__name__.endswith("CC") else {"action_ids": ["a", "b"]}
    if "MO" in cls.__name__:
        ids["n_objectives"] = 2
    if cls.__name__.startswith("Cmab"):
        ids["n_features"] = 2
    return ids


def cold(cls: type, **overrides: Any) -> BaseMab:
    return cls.cold_start(**{**ids_args(cls), "random_seed": 0, **overrides})


SMAB = [SmabBernoulli, SmabBernoulliBAI, SmabBernoulliCC, SmabBernoulliMO, SmabBernoulliMOCC]
SMAB += [SmabGaussian, SmabGaussianBAI, SmabGaussianCC, SmabGaussianMO, SmabGaussianMOCC]
CMAB = [CmabBernoulli, CmabBernoulliBAI, CmabBernoulliCC, CmabBernoulliMO, CmabBernoulliMOCC]
CMAB += [CmabGaussian, CmabGaussianBAI, CmabGaussianCC, CmabGaussianMO, CmabGaussianMOCC]


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
    if isinstance(subject, Path):
        return {p.name: p.read_bytes() for p in sorted(subject.parent.iterdir())}
    if isinstance(subject, tuple):
        return tuple(snapshot(part) for part in subject)
    return None


def nothing(_: Path) -> None:
    return None


def rows() -> list[Bad]:
    table: list[Bad] = []
    # -- cold_start of every class: the arguments every bandit has --------------------------------
    for cls in SMAB + CMAB:
        n = cls.__name__
        table += [
            Bad(f"{n}.cold_start epsilon", nothing, lambda _, c=cls: cold(c, epsilon=1.5), ValueError, "epsilon"),
            Bad(f"{n}.cold_start epsilon type", nothing, lambda _, c=cls: cold(c, epsilon="x"), TypeError, "epsilon"),
            Bad(
                f"{n}.cold_start default_action",
                nothing,
                lambda _, c=cls: cold(c, epsilon=0.1, default_action="z"),
                ValueError,
                "default_action",
                "'z'",
            ),
            Bad(
                f"{n}.cold_start random_seed",
                nothing,
                lambda _, c=cls: cold(c, random_seed=-1),
                ValueError,
                "random_seed",
            ),
            Bad(
                f"{n}.cold_start strategy",
                nothing,
                lambda _, c=cls: cold(c, strategy="classic"),
                TypeError,
                "strategy",
                "str",
            ),
        ]
        table += [
            Bad(
                f"{n}.cold_start default_action_fraction without default_action",
                nothing,
                lambda _, c=cls: cold(c, epsilon=0.1, default_action_fraction=0.5),
                ValueError,
                "default_action_fraction",
                "default_action=None",
            ),
            Bad(
                f"{n}.cold_start limited_actions unknown",
                nothing,
                lambda _, c=cls: cold(c, limited_actions=["zz"], limited_action_fraction=0.5),
                ValueError,
                "limited_actions",
                "'zz'",
            ),
            Bad(
                f"{n}.cold_start limited_action_fraction",
                nothing,
                lambda _, c=cls: cold(c, limited_actions=["b"], limited_action_fraction=1.5),
                ValueError,
                "limited_action_fraction",
                "[0, 1]",
            ),
        ]
        ids_key = "action_ids_cost" if n.endswith("CC") else "action_ids"
        table.append(
            Bad(
                f"{n}.cold_start {ids_key} empty",
                nothing,
                lambda _, c=cls, k=ids_key: cold(c, **{k: {}}),
                ValueError,
                ids_key,
            )
        )
        table.append(
            Bad(
                f"{n}.cold_start {ids_key} type",
                nothing,
                lambda _, c=cls, k=ids_key: cold(c, **{k: 7}),
                TypeError,
                ids_key,
            )
        )
        if "MO" in n:
            table.append(
                Bad(
                    f"{n}.cold_start n_objectives",
                    nothing,
                    lambda _, c=cls: cold(c, n_objectives=0),
                    ValueError,
                    "n_objectives",
                )
            )
        else:
            table.append(
                Bad(
                    f"{n}.cold_start n_objectives on one objective",
                    nothing,
                    lambda _, c=cls: cold(c, n_objectives=2),
                    TypeError,
                    "n_objectives",
                    "MO",
                )
            )
        if not n.endswith("CC"):
            table.append(
                Bad(
                    f"{n}.cold_start action_ids_cost without cost control",
                    nothing,
                    lambda _, c=cls: cold(c, action_ids_cost={"a": 1.0}),
                    TypeError,
                    "action_ids_cost",
                    "CC",
                )
            )
        # -- the reward family's settings: refused by Bernoulli bandits, checked by Gaussian ones
        gaussian = "Gaussian" in n
        if n.startswith("Smab"):
            table.append(
                Bad(
                    f"{n}.cold_start prior",
                    nothing,
                    lambda _, c=cls: cold(c, prior={"kappa": -1.0} if "Gaussian" in c.__name__ else {"mu": 0.0}),
                    ValueError if gaussian else TypeError,
                    "prior",
                    "kappa" if gaussian else "takes no settings",
                )
            )
        else:
            table += [
                Bad(
                    f"{n}.cold_start reward_scale",
                    nothing,
                    lambda _, c=cls: cold(c, reward_loc=0.0, reward_scale=0.0),
                    ValueError if gaussian else TypeError,
                    "reward_scale" if gaussian else "reward_loc",
                    "> 0" if gaussian else "another reward family",
                ),
                Bad(
                    f"{n}.cold_start noise_prior",
                    nothing,
                    lambda _, c=cls: cold(c, noise_prior={"sigma": 0.0}),
                    ValueError if gaussian else TypeError,
                    "noise_prior",
                    "sigma" if gaussian else "another reward family",
                ),
            ]
        if n.startswith("Cmab"):
            table += [
                Bad(
                    f"{n}.cold_start n_features",
                    nothing,
                    lambda _, c=cls: cold(c, n_features=0),
                    ValueError,
                    "n_features",
                ),
                Bad(
                    f"{n}.cold_start hidden_dim_list",
                    nothing,
                    lambda _, c=cls: cold(c, hidden_dim_list=[0]),
                    ValueError,
                    "hidden_dim_list",
                ),
                Bad(
                    f"{n}.cold_start activation",
                    nothing,
                    lambda _, c=cls: cold(c, activation="x"),
                    ValueError,
                    "activation",
                ),
                Bad(
                    f"{n}.cold_start dist_type",
                    nothing,
                    lambda _, c=cls: cold(c, dist_type="x"),
                    ValueError,
                    "dist_type",
                ),
                Bad(
                    f"{n}.cold_start update_method",
                    nothing,
                    lambda _, c=cls: cold(c, update_method="x"),
                    ValueError,
                    "update_method",
                ),
                Bad(
                    f"{n}.cold_start update_kwargs",
                    nothing,
                    lambda _, c=cls: cold(c, update_kwargs={"num_steps": 0}),
                    ValueError,
                    "update_kwargs",
                ),
                Bad(
                    f"{n}.cold_start dist_params_init",
                    nothing,
                    lambda _, c=cls: cold(c, dist_params_init={"sigma": 0}),
                    ValueError,
                    "dist_params_init",
                ),
            ]

    # -- predict and update of every class -----------------------------------------------------
    for cls in SMAB:
        n = cls.__name__
        good_rewards = [[1, 0]] if "MO" in n else [1]
        table += [
            Bad(
                f"{n}.predict n_samples",
                lambda _, c=cls: cold(c),
                lambda m: m.predict(n_samples=0),
                ValueError,
                "n_samples",
            ),
            Bad(
                f"{n}.predict forbidden_actions",
                lambda _, c=cls: cold(c),
                lambda m: m.predict(forbidden_actions={"a", "b"}),
                ValueError,
                "forbidden_actions",
            ),
            Bad(
                f"{n}.update actions",
                lambda _, c=cls: cold(c),
                lambda m, r=good_rewards: m.update(actions=["zz"], rewards=r),
                ValueError,
                "actions",
                "'zz'",
            ),
            Bad(
                f"{n}.update rewards",
                lambda _, c=cls: cold(c),
                lambda m: m.update(actions=["a", "b"], rewards=[1]),
                ValueError,
                "rewards",
            ),
            Bad(
                f"{n}.update rewards not finite",
                lambda _, c=cls: cold(c),
                lambda m, r=good_rewards: m.update(actions=["a"], rewards=np.full(np.shape(r), np.inf)),
                ValueError,
                "rewards",
                "finite",
            ),
        ]
        if "Bernoulli" in n:
            table.append(
                Bad(
                    f"{n}.update rewards outside [0, 1]",
                    lambda _, c=cls: cold(c),
                    lambda m, r=good_rewards: m.update(actions=["a"], rewards=np.full(np.shape(r), 2.5)),
                    ValueError,
                    "rewards",
                    "2.5",
                )
            )
    for cls in CMAB:
        n = cls.__name__
        good_rewards = [[1, 0]] if "MO" in n else [1]
        table += [
            Bad(
                f"{n}.predict context width",
                lambda _, c=cls: cold(c),
                lambda m: m.predict(context=np.zeros((2, 3))),
                ValueError,
                "context",
                "3",
            ),
            Bad(
                f"{n}.predict context nan",
                lambda _, c=cls: cold(c),
                lambda m: m.predict(context=np.full((2, 2), np.nan)),
                ValueError,
                "context",
            ),
            Bad(
                f"{n}.predict context type",
                lambda _, c=cls: cold(c),
                lambda m: m.predict(context="rows"),
                TypeError,
                "context",
            ),
            Bad(
                f"{n}.predict_arrays forbidden_actions",
                lambda _, c=cls: cold(c),
                lambda m: m.predict_arrays(context=np.zeros((1, 2)), forbidden_actions={"zz"}),
                ValueError,
                "forbidden_actions",
            ),
            Bad(
                f"{n}.update context rows",
                lambda _, c=cls: cold(c),
                lambda m, r=good_rewards: m.update(actions=["a"], rewards=r, context=np.zeros((2, 2))),
                ValueError,
                "context",
            ),
            Bad(
                f"{n}.update actions",
                lambda _, c=cls: cold(c),
                lambda m, r=good_rewards: m.update(actions=["zz"], rewards=r, context=np.zeros((1, 2))),
                ValueError,
                "actions",
            ),
            Bad(
                f"{n}.update rewards",
                lambda _, c=cls: cold(c),
                lambda m, r=good_rewards: m.update(
                    actions=["a"], rewards=np.full(np.shape(r), np.nan), context=np.zeros((1, 2))
                ),
                ValueError,
                "rewards",
                "finite",
            ),
            Bad(
                f"{n}.update rewards outside the family's range",
                lambda _, c=cls: cold(c),
                lambda m, r=good_rewards: m.update(
                    actions=["a"],
                    rewards=np.full(np.shape(r), 2.5 if m.family.name == "bernoulli" else 1e9),
                    context=np.zeros((1, 2)),
                ),
                ValueError,
                "rewards",
                "expected",
            ),
            Bad(
                f"{n}.update executor",
                lambda _, c=cls: cold(c),
                lambda m, r=good_rewards: m.update(actions=["a"], rewards=r, context=np.zeros((1, 2)), executor="pool"),
                TypeError,
                "executor",
            ),
        ]

    # -- state: get_state/from_state, save/load ------------------------------------------------
    smab_state = SmabBernoulli.cold_start(action_ids=["a"]).get_state()[1]
    table += [
        Bad(
            "from_state other class",
            nothing,
            lambda _: CmabBernoulli.from_state(smab_state),
            ValueError,
            "state",
            "SmabBernoulli",
        ),
        Bad("from_state not json", nothing, lambda _: BaseMab.from_state("{"), ValueError, "state", "JSON"),
        Bad("from_state type", nothing, lambda _: BaseMab.from_state(3), TypeError, "state", "int"),
        Bad(
            "from_state newer schema",
            nothing,
            lambda _: BaseMab.from_state(
                smab_state.replace(f'"schema_version": {_state.SCHEMA_VERSION}', '"schema_version": 99')
            ),
            ValueError,
            "state",
            "99",
        ),
        Bad("save bandit type", nothing, lambda _: pybandits.save("mab", "x.json"), TypeError, "bandit", "str"),
        Bad(
            "save path type",
            lambda _: cold(SmabBernoulli),
            lambda m: pybandits.save(m, 3),
            TypeError,
            "path",
            "int",
        ),
        Bad("load path type", nothing, lambda _: pybandits.load(None), TypeError, "path", "NoneType"),
        Bad(
            "load damaged file",
            lambda tmp: saved(tmp, cold(SmabBernoulli), damage=True),
            lambda path: pybandits.load(path),
            ValueError,
            "state",
        ),
    ]

    # -- transfer --------------------------------------------------------------------------------
    table += [
        Bad(
            "edit current_mab type",
            lambda _: cold(CmabBernoulli),
            lambda m: edit_model_on_the_fly("mab", m),
            TypeError,
            "current_mab",
        ),
        Bad(
            "edit new_mab type",
            lambda _: cold(CmabBernoulli),
            lambda m: edit_model_on_the_fly(m, None),
            TypeError,
            "new_mab",
        ),
        Bad(
            "edit stochastic to contextual",
            lambda _: (cold(SmabBernoulli), cold(CmabBernoulli)),
            lambda pair: edit_model_on_the_fly(*pair),
            TypeError,
            "new_mab",
        ),
        Bad(
            "edit fewer features",
            lambda _: (cold(CmabBernoulli, n_features=3), cold(CmabBernoulli)),
            lambda pair: edit_model_on_the_fly(*pair),
            ValueError,
            "new_mab",
            "n_features",
        ),
        Bad(
            "edit return_summary",
            lambda _: (cold(CmabBernoulli), cold(CmabBernoulli, n_features=3)),
            lambda pair: edit_model_on_the_fly(*pair, return_summary="yes"),
            TypeError,
            "return_summary",
        ),
        Bad(
            "describe_edit new_mab",
            lambda _: cold(CmabBernoulli),
            lambda m: describe_edit(m, 3),
            TypeError,
            "new_mab",
        ),
    ]

    # -- simulators ------------------------------------------------------------------------------
    table += [
        Bad("SmabSimulator mab", nothing, lambda _: SmabSimulator(mab="x", probs_reward={"a": 0.5}), TypeError, "mab"),
        Bad(
            "SmabSimulator probs_reward",
            lambda _: cold(SmabBernoulli),
            lambda m: SmabSimulator(mab=m, probs_reward={"a": 1.5, "b": 0.1}),
            ValueError,
            "probs_reward",
        ),
        Bad(
            "SmabSimulator probs_reward actions",
            lambda _: cold(SmabBernoulli),
            lambda m: SmabSimulator(mab=m, probs_reward={"a": 0.5}),
            ValueError,
            "probs_reward",
        ),
        Bad(
            "SmabSimulator n_updates",
            lambda _: cold(SmabBernoulli),
            lambda m: SmabSimulator(mab=m, probs_reward={"a": 0.5, "b": 0.1}, n_updates=0),
            ValueError,
            "n_updates",
        ),
        Bad(
            "SmabSimulator batch_size",
            lambda _: cold(SmabBernoulli),
            lambda m: SmabSimulator(mab=m, probs_reward={"a": 0.5, "b": 0.1}, batch_size=1.5),
            TypeError,
            "batch_size",
        ),
        Bad("CmabSimulator mab", lambda _: cold(SmabBernoulli), lambda m: CmabSimulator(mab=m), TypeError, "mab"),
        Bad(
            "CmabSimulator n_features",
            lambda _: cold(CmabBernoulli),
            lambda m: CmabSimulator(mab=m, n_features=1),
            ValueError,
            "n_features",
        ),
        Bad(
            "CmabSimulator reward_fn",
            lambda _: cold(CmabBernoulli),
            lambda m: CmabSimulator(mab=m, reward_fn=3),
            TypeError,
            "reward_fn",
        ),
        Bad(
            "CmabSimulator random_seed",
            lambda _: cold(CmabBernoulli),
            lambda m: CmabSimulator(mab=m, random_seed="s"),
            TypeError,
            "random_seed",
        ),
    ]
    return table


def categorical(backbone: bool = False) -> BaseMab:
    """A bandit with a categorical column ``plan`` whose vocabulary holds 1, 2 and 'vip' (room for 5)."""
    trunk = {"backbone_hidden_dim_list": [3]} if backbone else {}
    return CmabBernoulli.cold_start(
        action_ids=["a", "b"],
        n_features=2,
        feature_names=["x", "plan"],
        categorical_features={"plan": [1, 2, "vip"]},
        embedding_dims={"plan": 2},
        random_seed=0,
        **trunk,
    )


def frame(plan: list[Any]) -> Any:
    import pandas as pd

    return pd.DataFrame({"x": np.linspace(0.0, 1.0, len(plan)), "plan": plan})


def model_rows() -> list[Bad]:
    """Categorical columns, Gaussian rewards, the shared trunk and sizes that cannot fit in memory."""
    table: list[Bad] = []
    # -- categorical values: the same refusals in predict and update, learned levels or new ones --
    cells = [
        ("bool", [True, "vip"], TypeError, "True (bool)"),
        ("bool False", [False, 1], TypeError, "False (bool)"),
        ("float", [1.0, 2.0], TypeError, "1.0 (float)"),
        ("empty", ["", "vip"], ValueError, "''"),
        ("blank", ["  ", 1], ValueError, "'  '"),
        ("missing", [None, 1], ValueError, "missing"),
    ]
    for backbone in (False, True):
        kind = "trunk" if backbone else "networks"
        for label, plan, error, detail in cells:
            table += [
                Bad(
                    f"categorical {kind}: predict with a {label} cell",
                    lambda _, b=backbone: categorical(b),
                    lambda m, p=plan: m.predict(context=frame(p)),
                    error,
                    "context 'plan' (column 1)" if label != "missing" else "context",
                    detail,
                ),
                Bad(
                    f"categorical {kind}: update with a {label} cell",
                    lambda _, b=backbone: categorical(b),
                    lambda m, p=plan: m.update(context=frame(p), actions=["a", "b"], rewards=[1, 0]),
                    error,
                    "context 'plan' (column 1)" if label != "missing" else "context",
                    detail,
                ),
            ]
        table.append(
            Bad(
                f"categorical {kind}: more new values than the vocabulary has room for",
                lambda _, b=backbone: categorical(b),
                lambda m: m.update(context=frame(list("cdefgh")), actions=["a"] * 6, rewards=[1] * 6),
                ValueError,
                "context",
                "room for 0 more",
            )
        )
    table += [
        Bad(
            "categorical_features with an empty value",
            nothing,
            lambda _: CmabBernoulli.cold_start(action_ids=["a"], n_features=1, categorical_features={0: ["x", ""]}),
            ValueError,
            "categorical_features column 0",
            "''",
        ),
        Bad(
            "categorical_features with a boolean value",
            nothing,
            lambda _: CmabBernoulli.cold_start(action_ids=["a"], n_features=1, categorical_features={0: [True, 2]}),
            TypeError,
            "categorical_features column 0",
            "(bool)",
        ),
        # -- Gaussian rewards ---------------------------------------------------------------------
        Bad(
            "CmabGaussian update with a reward beyond 1e6",
            lambda _: cold(CmabGaussian),
            lambda m: m.update(context=np.zeros((2, 2)), actions=["a", "b"], rewards=[1.0, 1e7]),
            ValueError,
            "rewards",
            "1e+06",
        ),
        Bad(
            "CmabGaussian update with a NaN reward",
            lambda _: cold(CmabGaussian),
            lambda m: m.update(context=np.zeros((2, 2)), actions=["a", "b"], rewards=[1.0, float("nan")]),
            ValueError,
            "rewards",
        ),
        Bad(
            "CmabGaussian noise_prior of the wrong kind",
            nothing,
            lambda _: cold(CmabGaussian, noise_prior=0.5),
            TypeError,
            "noise_prior",
        ),
        # -- the shared trunk -----------------------------------------------------------------------
        Bad(
            "trunk: unknown backbone_kwargs key",
            nothing,
            lambda _: cold(CmabBernoulli, backbone_hidden_dim_list=[3], backbone_kwargs={"steps": 3}),
            ValueError,
            "backbone_kwargs",
            "steps",
        ),
        Bad(
            "trunk: buffer_size 0",
            nothing,
            lambda _: cold(CmabBernoulli, backbone_hidden_dim_list=[3], backbone_kwargs={"buffer_size": 0}),
            ValueError,
            "backbone_kwargs",
            "buffer_size",
        ),
        Bad(
            "trunk: embedding_sigma 0",
            nothing,
            lambda _: cold(CmabBernoulli, backbone_hidden_dim_list=[3], backbone_kwargs={"embedding_sigma": 0.0}),
            ValueError,
            "embedding_sigma",
            "greater than 0",
        ),
        Bad(
            "trunk: embedding_sigma as text",
            nothing,
            lambda _: cold(CmabBernoulli, backbone_hidden_dim_list=[3], backbone_kwargs={"embedding_sigma": "1"}),
            ValueError,
            "embedding_sigma",
            "'1'",
        ),
        Bad(
            "trunk: backbone_kwargs without a trunk",
            nothing,
            lambda _: cold(CmabBernoulli, backbone_kwargs={"num_steps": 3}),
            ValueError,
            "backbone_kwargs",
        ),
        Bad(
            "trunk: a multi-objective bandit",
            nothing,
            lambda _: cold(CmabBernoulliMO, backbone_hidden_dim_list=[3]),
            TypeError,
            "backbone_hidden_dim_list",
        ),
        Bad(
            "trunk: update with a context of the wrong width",
            lambda _: cold(CmabBernoulli, backbone_hidden_dim_list=[3]),
            lambda m: m.update(context=np.zeros((1, 3)), actions=["a"], rewards=[1]),
            ValueError,
            "context",
        ),
        # -- sizes whose arrays cannot be allocated: refused with the figure, before anything is built --
        Bad(
            "num_steps beyond memory",
            nothing,
            lambda _: cold(CmabBernoulli, update_kwargs={"num_steps": 10**12}),
            ValueError,
            "num_steps",
            "TiB",
        ),
        Bad(
            "MCMC draws beyond memory",
            nothing,
            lambda _: cold(CmabBernoulli, update_method="MCMC", update_kwargs={"draws": 10**12}),
            ValueError,
            "draws",
            "TiB",
        ),
        Bad(
            "trunk num_steps beyond memory",
            nothing,
            lambda _: cold(CmabBernoulli, backbone_hidden_dim_list=[3], backbone_kwargs={"num_steps": 10**12}),
            ValueError,
            "num_steps",
            "TiB",
        ),
        Bad(
            "buffer_size beyond memory",
            nothing,
            lambda _: cold(CmabBernoulli, backbone_hidden_dim_list=[3], backbone_kwargs={"buffer_size": 10**13}),
            ValueError,
            "backbone_kwargs buffer_size",
            "TiB",
        ),
        Bad(
            "a categorical column beyond memory",
            nothing,
            lambda _: cold(CmabBernoulli, categorical_features={0: 10**11}),
            ValueError,
            "categorical_features column 0",
            "TiB",
        ),
        Bad(
            "hidden layers beyond memory",
            nothing,
            lambda _: cold(CmabBernoulli, hidden_dim_list=[10**6, 10**6]),
            ValueError,
            "hidden_dim_list",
            "TiB",
        ),
        Bad(
            "n_features beyond memory",
            nothing,
            lambda _: cold(CmabBernoulli, n_features=10**11),
            ValueError,
            "n_features",
            "TiB",
        ),
        Bad(
            "n_candidates beyond memory",
            nothing,
            lambda _: cold(
                CmabBernoulli,
                hidden_dim_list=[2],
                action_ids=["a"],
                quantitative_action_ids={"q": 1},
                quantitative_kwargs={"n_candidates": 10**12},
            ),
            ValueError,
            "quantitative_kwargs n_candidates",
            "TiB",
        ),
        Bad(
            "n_candidates x n_draws beyond memory in action_probabilities",
            lambda _: cold(
                CmabBernoulli,
                hidden_dim_list=[2],
                action_ids=["a"],
                quantitative_action_ids={"q": 1},
                quantitative_kwargs={"n_candidates": 10**7},
            ),
            lambda m: m.action_probabilities(np.zeros((2, 2))),
            ValueError,
            "n_draws",
            "n_candidates included",
        ),
        Bad(
            "CmabBernoulli action_probabilities n_draws beyond memory",
            lambda _: cold(CmabBernoulli),
            lambda m: m.action_probabilities(np.zeros((2, 2)), n_draws=10**12),
            ValueError,
            "n_draws",
            "TiB",
        ),
        Bad(
            "SmabBernoulli action_probabilities n_draws beyond memory",
            lambda _: cold(SmabBernoulli),
            lambda m: m.action_probabilities(n_draws=10**12),
            ValueError,
            "n_draws",
            "TiB",
        ),
        Bad(
            "MCMC draws of a large network beyond memory",
            nothing,
            lambda _: cold(
                CmabBernoulli,
                n_features=200,
                hidden_dim_list=[256, 256],
                update_method="MCMC",
                update_kwargs={"draws": 10**7},
            ),
            ValueError,
            "update_kwargs draws",
            "TiB",
        ),
        Bad(
            "MCMC chains beyond memory are named chains",
            nothing,
            lambda _: cold(CmabBernoulli, update_method="MCMC", update_kwargs={"chains": 10**12}),
            ValueError,
            "chains",
            "PiB",
        ),
        Bad(
            "embedding_dims beyond memory are named embedding_dims",
            nothing,
            lambda _: cold(CmabBernoulli, categorical_features={0: 3}, embedding_dims={0: 10**11}),
            ValueError,
            "embedding_dims column 0",
            "TiB",
        ),
        Bad(
            "SmabBernoulli predict n_samples beyond memory",
            lambda _: cold(SmabBernoulli),
            lambda m: m.predict(n_samples=10**11),  # about 50 TiB of results: the estimate counts Python's dicts
            ValueError,
            "n_samples",
            "TiB",
        ),
    ]
    return table


def saved(folder: Path, mab: BaseMab, damage: bool = False) -> Path:
    path = folder / "mab.json"
    pybandits.save(mab, path)
    if damage:
        path.write_text(path.read_text()[:-40])
    return path


def availability_rows() -> list[Bad]:
    """Every way the action-availability settings can be wrong, at cold start, in a copy, a state and a config."""
    table: list[Bad] = []
    explore = {"epsilon": 0.1, "default_action": "a"}
    for value, error, detail in [
        (0.0, ValueError, "(0, 1]"),
        (1.5, ValueError, "1.5"),
        (float("nan"), ValueError, "nan"),
        (True, TypeError, "bool"),
        ("0.5", TypeError, "str"),
    ]:
        table.append(
            Bad(
                f"default_action_fraction {value!r}",
                nothing,
                lambda _, v=value: cold(SmabBernoulli, **explore, default_action_fraction=v),
                error,
                "default_action_fraction",
                detail,
            )
        )
    table.append(
        Bad(
            "default_action_fraction without epsilon",
            nothing,
            lambda _: cold(CmabBernoulli, default_action_fraction=0.5),
            ValueError,
            "default_action_fraction",
            "epsilon=None",
        )
    )
    for value, error, detail in [
        ("b", TypeError, "str"),
        ([], ValueError, "at least one"),
        (["b", "b"], ValueError, "duplicates"),
        ([3], TypeError, "[3]"),
        (["a"], ValueError, "default action 'a'"),
        ({"zz", "b"}, ValueError, "unknown ['zz']"),
    ]:
        table.append(
            Bad(
                f"limited_actions {value!r}",
                nothing,
                lambda _, v=value: cold(SmabBernoulli, **explore, limited_actions=v, limited_action_fraction=0.5),
                error,
                "limited_actions",
                detail,
            )
        )
    for value, error, detail in [(-0.1, ValueError, "-0.1"), (float("nan"), ValueError, "nan"), (True, TypeError, "")]:
        table.append(
            Bad(
                f"limited_action_fraction {value!r}",
                nothing,
                lambda _, v=value: cold(CmabBernoulli, limited_actions=["b"], limited_action_fraction=v),
                error,
                "limited_action_fraction",
                detail,
            )
        )
    table += [
        Bad(
            "limited_actions covering every action",
            nothing,
            lambda _: cold(CmabBernoulli, limited_actions={"a", "b"}, limited_action_fraction=0.5),
            ValueError,
            "limited_actions",
            "stay unlimited",
        ),
        Bad(
            "limited_actions without limited_action_fraction",
            nothing,
            lambda _: cold(SmabBernoulli, limited_actions=["b"]),
            ValueError,
            "limited_actions",
            "limited_action_fraction=None",
        ),
        Bad(
            "limited_action_fraction without limited_actions",
            nothing,
            lambda _: cold(CmabBernoulli, limited_action_fraction=0.5),
            ValueError,
            "limited_action_fraction",
            "limited_actions=None",
        ),
        Bad(
            "model_copy limited_actions covering every action",
            lambda _: cold(SmabBernoulli, limited_actions=["b"], limited_action_fraction=0.5),
            lambda m: m.model_copy(update={"limited_actions": ["a", "b"]}),
            ValueError,
            "limited_actions",
            "stay unlimited",
        ),
        Bad(
            "model_copy default_action_fraction without default_action",
            lambda _: cold(CmabBernoulli, **explore, default_action_fraction=0.5),
            lambda m: m.model_copy(update={"default_action": None}),
            ValueError,
            "default_action_fraction",
            "default_action=None",
        ),
        Bad(
            "from_state limited_actions unknown",
            nothing,
            lambda _: BaseMab.from_state(
                cold(SmabBernoulli, limited_actions=["b"], limited_action_fraction=0.5)
                .get_state()[1]
                .replace('"limited_actions": ["b"]', '"limited_actions": ["zz"]')
            ),
            ValueError,
            "state",
            "limited_actions: expected actions of this bandit",
        ),
        Bad(
            "config limited_action_fraction",
            nothing,
            lambda _: bandit_from_config(
                {"class": "SmabBernoulli", "cold_start": {**ids_args(SmabBernoulli), "limited_action_fraction": 0.5}}
            ),
            ValueError,
            "limited_action_fraction",
            "limited_actions=None",
        ),
    ]
    return table


def forgetting_rows() -> list[Bad]:
    """``decay_factor`` wrong at cold start of every class, in a copy and in a state."""
    table: list[Bad] = []
    for cls in SMAB + CMAB:
        for value, error, detail in [
            (0.0, ValueError, "(0, 1]"),
            (1.5, ValueError, "1.5"),
            (float("nan"), ValueError, "nan"),
            (True, TypeError, "bool"),
            ("0.9", TypeError, "str"),
        ]:
            table.append(
                Bad(
                    f"{cls.__name__}.cold_start decay_factor {value!r}",
                    nothing,
                    lambda _, c=cls, v=value: cold(c, decay_factor=v),
                    error,
                    "decay_factor",
                    detail,
                )
            )
    table += [
        Bad(
            "model_copy decay_factor 0",
            lambda _: cold(SmabGaussian, decay_factor=0.9),
            lambda m: m.model_copy(update={"decay_factor": 0.0}),
            ValueError,
            "decay_factor",
            "greater than 0",
        ),
        Bad(
            "model_copy decay_factor above 1",
            lambda _: cold(CmabBernoulli, decay_factor=0.9),
            lambda m: m.model_copy(update={"decay_factor": 1.01}),
            ValueError,
            "decay_factor",
            "1.01",
        ),
        Bad(
            "from_state decay_factor above 1",
            nothing,
            lambda _: SmabBernoulli.from_state(
                cold(SmabBernoulli, decay_factor=0.5)
                .get_state()[1]
                .replace('"decay_factor": 0.5', '"decay_factor": 3.0')
            ),
            ValueError,
            "state",
            "decay_factor",
        ),
    ]
    return table


def change_detection_rows() -> list[Bad]:
    """``change_detection`` wrong at cold start of every class, with a kind that cannot restart, and in a copy."""
    table: list[Bad] = []
    for cls in SMAB + CMAB:
        for value, error, detail in [
            ("yes", TypeError, "str"),
            ({"delta": 0.0}, ValueError, "delta"),
            ({"memory_size": 0}, ValueError, "memory_size"),
            ({"adaptive_window": 5}, ValueError, "unknown"),
        ]:
            table.append(
                Bad(
                    f"{cls.__name__}.cold_start change_detection {value!r}",
                    nothing,
                    lambda _, c=cls, v=value: cold(c, change_detection=v),
                    error,
                    "change_detection",
                    detail,
                )
            )
    table += [
        Bad(
            "change_detection with a shared trunk",
            nothing,
            lambda _: cold(CmabBernoulli, backbone_hidden_dim_list=[2], change_detection=True),
            ValueError,
            "change_detection",
            "shared trunk",
        ),
        Bad(
            "change_detection memory beyond the machine",
            nothing,
            lambda _: cold(CmabGaussian, change_detection={"memory_size": 10**14}),
            ValueError,
            "change_detection",
            "memory",
        ),
        Bad(
            "model_copy change_detection delta 1",
            lambda _: cold(SmabBernoulli, change_detection=True),
            lambda m: m.model_copy(update={"change_detection": {"delta": 1.0}}),
            ValueError,
            "change_detection.delta",
            "1.0",
        ),
    ]
    return table


TABLE = rows() + model_rows() + availability_rows() + forgetting_rows() + change_detection_rows()


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


def test_the_table_covers_every_public_bandit_class():
    named = {bad.name.split(".")[0] for bad in TABLE}
    assert {cls.__name__ for cls in SMAB + CMAB} <= named


def test_a_strategy_instance_of_the_right_kind_is_accepted():
    # the table's strategy rows refuse a string; the documented strategy object is fine
    assert isinstance(cold(SmabBernoulli, strategy=ClassicBandit()).strategy, ClassicBandit)
