"""Write fixture states with the original pybandits library (PyPI ``pybandits`` 4.x-8.x).

This script is run by hand, in a separate virtual environment holding one release of that
library, never by the test suite::

    python -m venv /tmp/legacy && /tmp/legacy/bin/pip install "pybandits==5.0.0" ...
    (6.x-8.x, on NumPyro: ``pip install "pybandits==8.3.0"``; the script passes them a generator)
    /tmp/legacy/bin/python tests/data/legacy/generate.py tests/data/legacy
    /tmp/legacy/bin/python tests/data/legacy/generate.py tests/data/legacy --names   # its public names

It writes ``<release>.json``: for each bandit, the class name and the state string exactly as
``get_state()`` returned them, plus what that bandit predicts — the mean and standard deviation
of many Thompson draws of each action's probability on fixed contexts — so the migration tests
can check that the migrated bandit predicts like the original without the original installed.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import sys
import warnings
from pathlib import Path

import numpy as np

warnings.filterwarnings("ignore")

N_DRAWS = 2000
#: 6.x-8.x (NumPyro) take the generator to sample with, and no update_method at cold start.
NUMPYRO = int(importlib.metadata.version("pybandits").split(".")[0]) >= 6
GENERATOR = np.random.default_rng(0)
QUANTILES = [0.1, 0.25, 0.5, 0.75, 0.9]
RELEASE = importlib.metadata.version("pybandits")
MAJOR_MINOR = tuple(int(p) for p in RELEASE.split(".")[:2])


# the first 4.0 releases sample a contextual prediction by building a PyMC model per call (about
# a second each), so they get fewer draws; the tests widen their tolerance by the recorded count
SLOW_CMAB_SAMPLING = (
    "sample_prior_predictive(samples=1)" in Path(importlib.util.find_spec("pybandits.model").origin).read_text()
)
N_DRAWS_SLOW = 100


def _draw_stats(sample: callable, n_draws: int = N_DRAWS) -> dict:
    draws = np.array([sample() for _ in range(n_draws)], dtype=float)
    return {
        "mean": draws.mean(axis=0).tolist(),
        "std": draws.std(axis=0).tolist(),
        "quantiles": np.quantile(draws, QUANTILES, axis=0).tolist(),
        "n_draws": n_draws,
    }


def smab_cases() -> dict:
    from pybandits import smab

    rng = np.random.default_rng(0)
    cases = {}
    bandit = smab.SmabBernoulli.cold_start(action_ids={"a", "b", "c"})
    bandit.update(actions=["a"] * 30 + ["b"] * 20, rewards=[int(r) for r in rng.random(50) < 0.4])
    cases["smab_classic"] = bandit
    bandit = smab.SmabBernoulliBAI.cold_start(action_ids={"a", "b"}, exploit_p=0.7)
    bandit.update(actions=["a", "b", "b"], rewards=[1, 0, 1])
    cases["smab_bai"] = bandit
    bandit = smab.SmabBernoulliCC.cold_start(action_ids_cost={"a": 10.0, "b": 1.0}, subsidy_factor=0.2)
    bandit.update(actions=["a", "b", "b"], rewards=[1, 0, 1])
    cases["smab_cc"] = bandit
    bandit = smab.SmabBernoulliMO.cold_start(action_ids={"a", "b"}, n_objectives=2)
    bandit.update(actions=["a", "b", "a"], rewards=[[1, 0], [0, 1], [1, 1]])
    cases["smab_mo"] = bandit
    bandit = smab.SmabBernoulliMOCC.cold_start(action_ids_cost={"a": 2.0, "b": 1.0}, n_objectives=2)
    bandit.update(actions=["a", "b", "a"], rewards=[[1, 0], [0, 1], [1, 1]])
    cases["smab_mocc"] = bandit
    bandit = smab.SmabBernoulli.cold_start(action_ids={"a", "b"}, epsilon=0.1, default_action="b")
    bandit.update(actions=["a", "b"], rewards=[1, 1])
    cases["smab_epsilon"] = bandit
    return cases


def smab_predictions(bandit) -> dict:
    ids = sorted(bandit.actions)
    out = {}
    for action_id in ids:
        model = bandit.actions[action_id]
        if NUMPYRO:
            out[action_id] = _draw_stats(
                lambda model=model: np.asarray(model.sample_proba(n_samples=1, rng=GENERATOR)[0])
            )
        else:
            out[action_id] = _draw_stats(lambda model=model: np.asarray(model.sample_proba(n_samples=1)[0]))
    return out


def cmab_world(n_rows: int, n_features: int, seed: int):
    rng = np.random.default_rng(seed)
    context = rng.normal(size=(n_rows, n_features))
    logits = {"a": 1.5 * context[:, 0] - 0.5, "b": -1.0 * context[:, 1] + 0.3}
    actions = [str(x) for x in rng.choice(["a", "b"], size=n_rows)]
    rewards = [int(rng.random() < 1 / (1 + np.exp(-logits[a][i]))) for i, a in enumerate(actions)]
    return context, actions, rewards


def cmab_cases() -> dict:
    from pybandits import cmab

    context, actions, rewards = cmab_world(300, 3, 1)
    vi = {"num_steps": 1500}
    method = {} if NUMPYRO else {"update_method": "VI"}
    cases = {}
    bandit = cmab.CmabBernoulli.cold_start(
        action_ids={"a", "b"}, n_features=3, hidden_dim_list=[4], **method, update_kwargs=vi
    )
    bandit.update(context=context, actions=actions, rewards=rewards)
    cases["cmab_hidden"] = bandit
    bandit = cmab.CmabBernoulli.cold_start(
        action_ids={"a", "b"}, n_features=3, **method, update_kwargs=vi, epsilon=0.1, default_action="a"
    )
    bandit.update(context=context, actions=actions, rewards=rewards)
    cases["cmab_logistic"] = bandit
    bandit = cmab.CmabBernoulliBAI.cold_start(
        action_ids={"a", "b"}, n_features=3, **method, update_kwargs=vi, exploit_p=0.6
    )
    bandit.update(context=context, actions=actions, rewards=rewards)
    cases["cmab_bai"] = bandit
    bandit = cmab.CmabBernoulliCC.cold_start(
        action_ids_cost={"a": 2.0, "b": 1.0}, n_features=3, **method, update_kwargs=vi, subsidy_factor=0.1
    )
    bandit.update(context=context, actions=actions, rewards=rewards)
    cases["cmab_cc"] = bandit
    if hasattr(cmab, "CmabBernoulliMO"):
        bandit = cmab.CmabBernoulliMO.cold_start(
            action_ids={"a", "b"}, n_objectives=2, n_features=3, **method, update_kwargs=vi
        )
        bandit.update(context=context, actions=actions, rewards=[[r, 1 - r] for r in rewards])
        cases["cmab_mo"] = bandit
    if MAJOR_MINOR >= (4, 1):
        bandit = cmab.CmabBernoulli.cold_start(
            action_ids={"a", "b"},
            n_features=3,
            hidden_dim_list=[3],
            **method,
            update_kwargs=vi,
            dist_type="normal",
            activation="relu",
            use_residual_connections=True,
        )
        bandit.update(context=context, actions=actions, rewards=rewards)
        cases["cmab_normal_relu_residual"] = bandit
    return cases


CONTEXT = np.array([[0.0, 0.0, 0.0], [1.0, -1.0, 0.5], [-1.5, 2.0, -0.3]])


def cmab_predictions(bandit) -> dict:
    out = {}
    for action_id in sorted(bandit.actions):
        model = bandit.actions[action_id]

        def sample(model=model):
            # one Thompson draw of the probability for every context row
            samples = (
                model.sample_proba(context=CONTEXT, rng=GENERATOR) if NUMPYRO else model.sample_proba(context=CONTEXT)
            )
            if hasattr(model, "models"):  # multi-objective: one (probability, logit) per objective
                return np.array([[p[0] for p in row] for row in samples], dtype=float)
            return np.array([p[0] for p in samples], dtype=float)

        out[action_id] = _draw_stats(sample, N_DRAWS_SLOW if SLOW_CMAB_SAMPLING else N_DRAWS)
    return out


def main(folder: str) -> None:
    np.random.seed(0)  # noqa: NPY002 - the original library draws from numpy's global generator
    fixtures = {
        "release": RELEASE,
        "n_draws": N_DRAWS,
        "quantile_levels": QUANTILES,
        "context": CONTEXT.tolist(),
        "bandits": {},
    }
    for cases, predictions in ((smab_cases, smab_predictions), (cmab_cases, cmab_predictions)):
        for name, bandit in cases().items():
            class_name, state = bandit.get_state()
            fixtures["bandits"][name] = {
                "class_name": class_name,
                "state": state if isinstance(state, str) else json.dumps(state),
                "predictions": predictions(bandit),
            }
            print(RELEASE, name, "ok", flush=True)
    path = Path(folder) / f"pybandits-{RELEASE}.json"
    path.write_text(json.dumps(fixtures, indent=1) + "\n")
    print("wrote", path)


#: The original's modules its documentation and tutorials import from.
DOCUMENTED_MODULES = [
    "pybandits.smab",
    "pybandits.cmab",
    "pybandits.model",
    "pybandits.strategy",
    "pybandits.transfer",
    "pybandits.smab_simulator",
    "pybandits.cmab_simulator",
    "pybandits.offline_policy_evaluator",
    "pybandits.offline_policy_estimator",
    "pybandits.quantitative_model",
]


def public_names(folder: str) -> None:
    """``names/pybandits-<release>.json``: every public class and function each documented module holds."""
    import inspect

    names = {}
    for module_name in DOCUMENTED_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        names[module_name] = sorted(
            name
            for name, value in vars(module).items()
            if not name.startswith("_")
            and (inspect.isclass(value) or inspect.isfunction(value))
            and getattr(value, "__module__", "").startswith("pybandits")
        )
    path = Path(folder) / "names" / f"pybandits-{RELEASE}.json"  # beside the states, not among them
    path.write_text(json.dumps({"release": RELEASE, "modules": names}, indent=1) + "\n")
    print("wrote", path)


if __name__ == "__main__":
    if "--names" in sys.argv:
        public_names(sys.argv[1])
    else:
        main(sys.argv[1])
