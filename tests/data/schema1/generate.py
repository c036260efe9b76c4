"""Write ``states.json``: states of schema version 1, written by pybandits itself before reward families.

Run from a checkout of the last commit with schema version 1 (``git archive 803d923^ pybandits``
unpacked into a folder), with that folder first on ``PYTHONPATH``::

    PYTHONPATH=/path/to/v1 python tests/data/schema1/generate.py

Each case holds the state text ``get_state()`` returned; the stochastic one also what the bandit
predicted right after (from the generator state the text records), which a migrated bandit must
repeat exactly. Contextual bandits draw their predictions differently since version 1 (the same
posteriors, sampled another way), so their migrated posteriors are compared instead.
"""

import json
from pathlib import Path

import numpy as np

import pybandits
from pybandits.cmab import CmabBernoulli, CmabBernoulliMOCC
from pybandits.smab import SmabBernoulliCC
from pybandits.state import SCHEMA_VERSION

assert SCHEMA_VERSION == 1, f"expected the schema version 1 sources on PYTHONPATH, got version {SCHEMA_VERSION}"


def smab_cc():
    mab = SmabBernoulliCC.cold_start(action_ids_cost={"a": 0.5, "b": 1.0}, epsilon=0.1, random_seed=1)
    mab.update(actions=["a", "b", "b", "a"], rewards=[1, 0, 1, 1])
    text = mab.get_state()[1]
    actions, probs = mab.predict(n_samples=8)
    return text, {"actions": actions, "probs": probs}


def cmab_trained():
    mab = CmabBernoulli.cold_start(
        action_ids=["a", "b"], n_features=2, hidden_dim_list=[3], update_kwargs={"num_steps": 100}, random_seed=2
    )
    rng = np.random.default_rng(3)
    context = rng.normal(size=(40, 2))
    rewards = (rng.random(40) < 1 / (1 + np.exp(-2 * context[:, 0]))).astype(int).tolist()
    mab.update(actions=["a", "b"] * 20, rewards=rewards, context=context)
    return mab.get_state()[1], None


def cmab_mocc():
    costs = {"a": 1.0, "b": 2.0}
    mab = CmabBernoulliMOCC.cold_start(action_ids_cost=costs, n_features=2, n_objectives=2, random_seed=4)
    return mab.get_state()[1], None


cases = {}
for name, make in (("smab_cc", smab_cc), ("cmab_trained", cmab_trained), ("cmab_mocc", cmab_mocc)):
    text, predictions = make()
    cases[name] = {"state": text} if predictions is None else {"state": text, "predictions": predictions}
document = {"pybandits_version": pybandits.__version__, "cases": cases}
(Path(__file__).parent / "states.json").write_text(json.dumps(document, indent=1) + "\n")
