"""The same behaviour from both reward families, contextual and stochastic (parametrised over the family)."""

from dataclasses import dataclass

import numpy as np
import pytest

import pybandits
from pybandits.cmab import CmabBernoulli, CmabBernoulliCC, CmabBernoulliMO, CmabGaussian, CmabGaussianCC, CmabGaussianMO
from pybandits.engines import fit as fitting
from pybandits.exceptions import FitError
from pybandits.smab import SmabBernoulli, SmabGaussian
from pybandits.transfer import edit_model_on_the_fly

FAST = {"num_steps": 200}
WEIGHTS = {"a": np.array([1.5, -1.0, 0.5]), "b": np.array([-1.5, 1.0, 0.0])}


@dataclass(frozen=True)
class World:
    """A contextual world of one reward family: the bandit classes and how rewards are drawn."""

    name: str
    single: type
    cc: type
    mo: type
    smab: type

    def truth(self, context):
        linear = np.stack([context @ WEIGHTS[a] for a in ("a", "b")], axis=1)
        return 1.0 / (1.0 + np.exp(-linear)) if self.name == "bernoulli" else 50.0 + 10.0 * linear

    def draw(self, truth, rng):
        if self.name == "bernoulli":
            return (rng.random(truth.shape) < truth).astype(int)
        return truth + 5.0 * rng.normal(size=truth.shape)


WORLDS = [
    World("bernoulli", CmabBernoulli, CmabBernoulliCC, CmabBernoulliMO, SmabBernoulli),
    World("gaussian", CmabGaussian, CmabGaussianCC, CmabGaussianMO, SmabGaussian),
]


@pytest.fixture(params=WORLDS, ids=lambda world: world.name)
def world(request):
    return request.param


def batch(mab, world, rng, n_rows=200):
    """One round's decisions and rewards: ``(actions, rewards, context)`` and the share of best actions."""
    context = rng.normal(size=(n_rows, 3))
    truth = world.truth(context)
    actions, _, _ = mab.predict(context=context)
    index = np.array([("a", "b").index(a) for a in actions])
    rewards = world.draw(truth[np.arange(n_rows), index], rng)
    return (actions, rewards, context), np.mean(index == truth.argmax(axis=1))


def play(mab, world, n_rounds, seed):
    rng = np.random.default_rng(seed)
    shares = []
    for _ in range(n_rounds):
        (actions, rewards, context), share = batch(mab, world, rng)
        mab.update(actions=actions, rewards=rewards, context=context)
        shares.append(share)
    return shares


def test_it_learns_to_play_the_best_action(world):
    mab = world.single.cold_start(action_ids={"a", "b"}, n_features=3, update_kwargs=FAST, random_seed=0)
    shares = play(mab, world, n_rounds=4, seed=1)
    assert shares[-1] > 0.85, shares
    assert shares[0] < shares[-1]


def test_predict_reports_what_the_family_promises(world):
    mab = world.single.cold_start(action_ids={"a", "b"}, n_features=3, update_kwargs=FAST, random_seed=0)
    play(mab, world, n_rounds=1, seed=2)
    actions, expected, detail = mab.predict(context=np.zeros((5, 3)))
    assert len(actions) == len(expected) == len(detail) == 5
    assert set(expected[0]) == set(detail[0]) == {"a", "b"}
    values = np.array([[row["a"], row["b"]] for row in expected])
    if world.name == "bernoulli":
        assert np.all((values > 0) & (values < 1))  # probabilities; detail: their logits
        np.testing.assert_allclose(1 / (1 + np.exp(-detail[0]["a"])), expected[0]["a"])
    else:
        assert 20 < values.mean() < 80  # reward units, not standardised ones
        assert 2.0 < detail[0]["a"] < 10.0 and detail[0]["a"] == detail[1]["a"]  # noise sd 5, per action


def test_a_failed_fit_leaves_the_bandit_unchanged(world, monkeypatch):
    one_at_a_time = {**FAST, "actions_per_fit": 1}  # two fits: the second fails after the first succeeded
    mab = world.single.cold_start(action_ids={"a", "b"}, n_features=3, update_kwargs=one_at_a_time, random_seed=0)
    play(mab, world, n_rounds=1, seed=3)
    before = mab.get_state()
    real_fit = fitting.fit_models
    calls = []

    def fail_on_second_action(actions, contexts, rewards, seeds, weights=None, n_slots=None):
        calls.append(seeds)
        if len(calls) == 2:
            raise FitError("injected")
        return real_fit(actions, contexts, rewards, seeds)

    (actions, rewards, context), _ = batch(mab, world, np.random.default_rng(4))
    before = mab.get_state()
    monkeypatch.setattr(fitting, "fit_models", fail_on_second_action)
    with pytest.raises(FitError, match="injected"):
        mab.update(actions=actions, rewards=rewards, context=context)
    assert mab.get_state() == before and len(calls) == 2


def test_the_first_batch_of_a_fresh_bandit_is_all_or_nothing(world, monkeypatch):
    # a Gaussian bandit fits its standardisation first: a failed fit must undo that too
    mab = world.single.cold_start(action_ids={"a", "b"}, n_features=3, update_kwargs=FAST, random_seed=0)
    (actions, rewards, context), _ = batch(mab, world, np.random.default_rng(5))
    before = mab.get_state()

    def fail(actions, contexts, rewards, seeds, weights=None, n_slots=None):
        raise FitError("injected")

    monkeypatch.setattr(fitting, "fit_models", fail)
    with pytest.raises(FitError):
        mab.update(actions=actions, rewards=rewards, context=context)
    assert mab.get_state() == before


def test_state_round_trips_and_the_same_seed_repeats_itself(world, tmp_path):
    runs = []
    for _ in range(2):
        mab = world.single.cold_start(action_ids={"a", "b"}, n_features=3, update_kwargs=FAST, random_seed=7)
        play(mab, world, n_rounds=1, seed=6)
        runs.append(mab)
    assert runs[0] == runs[1]
    pybandits.save(runs[0], tmp_path / "mab.json")
    loaded = pybandits.load(tmp_path / "mab.json")
    assert loaded == runs[0] and type(loaded) is world.single
    context = np.ones((3, 3))
    assert loaded.predict(context=context) == runs[0].predict(context=context)


def test_transfer_keeps_what_was_learned(world):
    mab = world.single.cold_start(action_ids={"a", "b"}, n_features=3, update_kwargs=FAST, random_seed=0)
    play(mab, world, n_rounds=2, seed=8)
    template = world.single.cold_start(
        action_ids={"a", "b", "c"}, n_features=4, hidden_dim_list=None, update_kwargs={"num_steps": 100}
    )
    evolved = edit_model_on_the_fly(mab, template)
    assert sorted(evolved.actions) == ["a", "b", "c"] and evolved.input_dim == 4
    context = np.random.default_rng(0).normal(size=(20, 3))
    padded = np.hstack([context, np.zeros((20, 1))])
    for action in ("a", "b"):
        before, after = mab.actions[action], evolved.actions[action]
        np.testing.assert_allclose(after.network.mean_outputs(padded), before.network.mean_outputs(context))
        assert after.stats == before.stats and after.families == before.families
    assert evolved.actions["c"].stats == world.single.family_type.stats_type()
    assert evolved.actions["c"].families == evolved.actions["a"].families  # one standardisation for all
    rng = np.random.default_rng(9)
    context = rng.normal(size=(100, 4))
    actions, _, _ = evolved.predict(context=context)
    rewards = world.draw(np.full(100, 0.5 if world.name == "bernoulli" else 50.0), rng)
    evolved.update(actions=actions, rewards=rewards, context=context)
    assert sum(evolved.actions[a].last_fit.n_rows for a in set(actions)) == 100


def test_reward_families_cannot_be_exchanged():
    bernoulli = CmabBernoulli.cold_start(action_ids={"a"}, n_features=2)
    gaussian = CmabGaussian.cold_start(action_ids={"a"}, n_features=2)
    for current, template in ((bernoulli, gaussian), (gaussian, bernoulli)):
        with pytest.raises(TypeError, match="new_mab: expected .* rewards like current_mab"):
            edit_model_on_the_fly(current, template)
    with pytest.raises(TypeError, match="reward families cannot be exchanged"):
        edit_model_on_the_fly(SmabGaussian.cold_start(action_ids={"a"}), SmabBernoulli.cold_start(action_ids={"a"}))


def test_variants_with_costs_and_objectives_update(world):
    rng = np.random.default_rng(10)
    context = rng.normal(size=(60, 3))
    cc = world.cc.cold_start(action_ids_cost={"a": 1.0, "b": 2.0}, n_features=3, update_kwargs={"num_steps": 50})
    actions, _, _ = cc.predict(context=context)
    cc.update(
        actions=actions,
        rewards=world.draw(np.full(60, 0.5 if world.name == "bernoulli" else 3.0), rng),
        context=context,
    )
    mo = world.mo.cold_start(action_ids={"a", "b"}, n_features=3, n_objectives=2, update_kwargs={"num_steps": 50})
    actions, expected, _ = mo.predict(context=context)
    rewards = world.draw(np.full((60, 2), 0.5 if world.name == "bernoulli" else 3.0), rng)
    mo.update(actions=actions, rewards=rewards, context=context)
    assert len(expected[0]["a"]) == 2
    assert all(model.last_fit is not None for action in mo.actions.values() for model in action.objectives)


def test_stochastic_bandits_learn_too(world):
    rng = np.random.default_rng(11)
    mab = world.smab.cold_start(action_ids={"a", "b"}, random_seed=0)
    truth = {"a": 0.3, "b": 0.6}
    for _ in range(20):
        actions, _ = mab.predict(n_samples=50)
        means = np.array([truth[a] for a in actions])
        mab.update(
            actions=actions,
            rewards=world.draw(means, rng) if world.name == "bernoulli" else means + 0.5 * rng.normal(size=50),
        )
    actions, _ = mab.predict(n_samples=200)
    assert actions.count("b") > 170


@pytest.mark.parametrize("pool", ["threads", "processes"])
def test_an_executor_gives_the_sequential_result(world, pool):
    from concurrent.futures import ThreadPoolExecutor

    from pybandits.engines.executors import process_pool

    results = []
    for executor in (None, ThreadPoolExecutor(2) if pool == "threads" else process_pool(2)):
        mab = world.single.cold_start(
            action_ids={"a", "b"}, n_features=3, update_kwargs={"num_steps": 50}, random_seed=3
        )
        (actions, rewards, context), _ = batch(mab, world, np.random.default_rng(13))
        if executor is None:
            mab.update(actions=actions, rewards=rewards, context=context)
        else:
            with executor:
                mab.update(actions=actions, rewards=rewards, context=context, executor=executor)
        results.append(mab)
    assert results[0] == results[1]
