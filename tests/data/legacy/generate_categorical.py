"""Write fixture states with categorical columns, with the original pybandits library 5.0.0.

5.0.0 is the only release of the original's PyMC line (4.x-5.x) with categorical columns: a
per-action ``feature_config`` and Bayesian embedding tables in ``model_params.embedding_params``.
Like ``generate.py`` beside it, this script is run by hand in an environment holding that
release, never by the test suite::

    /tmp/legacy/bin/pip install "pybandits==5.0.0"
    /tmp/legacy/bin/python tests/data/legacy/generate_categorical.py tests/data/legacy/categorical

(The committed file was written by the 5.0.0 wheel on PyMC 5.28 with its plotting and logging
imports, bokeh and loguru, replaced by empty stand-ins: neither is used by a bandit's update,
state or sampling.)

It writes ``pybandits-5.0.0.json`` in the layout of the other fixture files: for each bandit the
class name, the state string ``get_state()`` returned, and the mean, spread and quantiles of many
of the bandit's own Thompson draws of each action's probability on fixed contexts. The
categorical columns are declared out of column order (``{3: 6, 0: 3}``), so the original's first
layer sees the embedding of column 3 (two numbers: the original sets ``ceil(cardinality / 4)``)
before that of column 0 (one number): a migration that did not reorder the first layer's rows
would predict differently.
"""

from __future__ import annotations

import importlib.metadata
import json
import sys
from pathlib import Path

import numpy as np

N_DRAWS = 2000
QUANTILES = [0.1, 0.25, 0.5, 0.75, 0.9]
VI = {"num_steps": 1500}
CATEGORICAL = {3: 6, 0: 3}  # {column: cardinality}, deliberately not in column order
N_FEATURES = 5
# numeric columns 1, 2 and 4; integer codes in columns 0 and 3
CONTEXT = np.array(
    [
        [0, 0.0, 0.0, 0, 0.0],
        [2, 1.0, -1.0, 5, 0.5],
        [1, -1.5, 2.0, 1, -0.3],
        [0, 0.5, 0.5, 4, 1.0],
    ]
)


def world(n_rows: int, seed: int):
    rng = np.random.default_rng(seed)
    context = rng.normal(size=(n_rows, N_FEATURES))
    context[:, 0] = rng.integers(0, CATEGORICAL[0], n_rows)
    context[:, 3] = rng.integers(0, CATEGORICAL[3], n_rows)
    effect_0 = np.array([-1.0, 0.0, 1.5])
    effect_3 = np.array([1.0, -1.0, 0.5, 0.0, 2.0, -2.0])
    logits = {
        "a": 1.2 * context[:, 1] + effect_0[context[:, 0].astype(int)],
        "b": -0.8 * context[:, 2] + effect_3[context[:, 3].astype(int)] - 0.3,
    }
    actions = [str(x) for x in rng.choice(["a", "b"], size=n_rows)]
    rewards = [int(rng.random() < 1 / (1 + np.exp(-logits[a][i]))) for i, a in enumerate(actions)]
    return context, actions, rewards


def cases() -> dict:
    from pybandits import cmab

    context, actions, rewards = world(400, 2)
    out = {}
    bandit = cmab.CmabBernoulli.cold_start(
        action_ids={"a", "b"},
        n_features=N_FEATURES,
        hidden_dim_list=[3],
        update_method="VI",
        update_kwargs=VI,
        dist_params_init={"mu": 0.0, "sigma": 1.0, "nu": 5.0},
        categorical_features=dict(CATEGORICAL),
    )
    bandit.update(context=context, actions=actions, rewards=rewards)
    out["cmab_embeddings"] = bandit
    bandit = cmab.CmabBernoulli.cold_start(
        action_ids={"a", "b"},
        n_features=N_FEATURES,
        update_method="VI",
        update_kwargs=VI,
        dist_type="normal",
        dist_params_init={"mu": 0.0, "sigma": 2.0},
        categorical_features=dict(CATEGORICAL),
    )
    bandit.update(context=context, actions=actions, rewards=rewards)
    out["cmab_embeddings_normal"] = bandit
    return out


def draw_stats(model) -> dict:
    draws = np.array([[p[0] for p in model.sample_proba(context=CONTEXT)] for _ in range(N_DRAWS)], dtype=float)
    return {
        "mean": draws.mean(axis=0).tolist(),
        "std": draws.std(axis=0).tolist(),
        "quantiles": np.quantile(draws, QUANTILES, axis=0).tolist(),
        "n_draws": N_DRAWS,
    }


def main(folder: str) -> None:
    release = importlib.metadata.version("pybandits")
    np.random.seed(0)  # noqa: NPY002 - the original library draws from numpy's global generator
    fixtures = {
        "release": release,
        "n_draws": N_DRAWS,
        "quantile_levels": QUANTILES,
        "context": CONTEXT.tolist(),
        "bandits": {},
    }
    for name, bandit in cases().items():
        class_name, state = bandit.get_state()
        fixtures["bandits"][name] = {
            "class_name": class_name,
            "state": state if isinstance(state, str) else json.dumps(state),
            "predictions": {a: draw_stats(bandit.actions[a]) for a in sorted(bandit.actions)},
        }
        print(release, name, "ok", flush=True)
    path = Path(folder) / f"pybandits-{release}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(fixtures, indent=1) + "\n")
    print("wrote", path)


if __name__ == "__main__":
    main(sys.argv[1])
