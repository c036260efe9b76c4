"""A stochastic bandit finds the best of three arms, then is saved and loaded.

Run with ``python examples/smab_quickstart.py``. It takes about a second and prints what the
bandit learned.
"""

import os
import tempfile

import numpy as np

import pybandits
from pybandits.smab import SmabBernoulli

TRUE_PROBABILITIES = {"red": 0.04, "green": 0.06, "blue": 0.10}
N_ROUNDS, BATCH_SIZE = 50, 100

mab = SmabBernoulli.cold_start(action_ids=set(TRUE_PROBABILITIES), random_seed=2024)
world = np.random.default_rng(7)

for _ in range(N_ROUNDS):
    actions, _ = mab.predict(n_samples=BATCH_SIZE)
    rewards = [int(world.random() < TRUE_PROBABILITIES[a]) for a in actions]
    mab.update(actions=actions, rewards=rewards)

print(f"After {N_ROUNDS * BATCH_SIZE} plays:")
for action_id, model in mab.actions.items():
    print(
        f"  {action_id:<5} true p={TRUE_PROBABILITIES[action_id]:.2f}  posterior mean={model.mean:.3f}  "
        f"plays={model.n_observations}"
    )

last_actions, _ = mab.predict(n_samples=1000)
share = last_actions.count("blue") / len(last_actions)
print(f"Share of the best arm ('blue') in the next 1000 decisions: {share:.0%}")

with tempfile.TemporaryDirectory() as folder:
    path = os.path.join(folder, "mab.json")
    pybandits.save(mab, path)
    restored = pybandits.load(path)
    print(f"Saved and loaded {type(restored).__name__}: equal to the original: {restored == mab}")
