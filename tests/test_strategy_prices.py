"""Dynamic pricing's one-row selection takes prices; a bandit's selection refuses NaN like the strategies."""

from __future__ import annotations

import numpy as np
import pytest

from pybandits.bandits.base import BaseMab
from pybandits.bandits.strategies import ClassicBandit, CostControlBandit, DynamicPricingBandit
from pybandits.smab import BaseSmab, SmabBernoulli, SmabBernoulliDP


def test_dynamic_pricing_select_action_takes_a_price_per_action():
    strategy, rng = DynamicPricingBandit(), np.random.default_rng(0)
    assert strategy.select_action({"a": 0.9, "b": 0.5}, rng, prices={"a": 1.0, "b": 3.0}) == "b"  # 0.9 vs 1.5
    assert strategy.select_action({"a": 0.9, "b": 0.2}, rng, prices={"a": 1.0, "b": 3.0}) == "a"  # 0.9 vs 0.6
    assert strategy.select_action({"a": 0.5}, prices={"a": 2.0, "unused": 9.0}) == "a"


@pytest.mark.parametrize(
    ("prices", "message"),
    [
        (None, r"prices: DynamicPricingBandit needs a price for every action in probs \['a', 'b'\], got None"),
        ({"a": 1.0}, r"prices: expected a price for every action in probs, missing \['b'\]"),
        ({"a": 1.0, "b": 0.0}, r"prices: expected finite prices > 0"),
        ({"a": 1.0, "b": float("nan")}, r"prices: expected finite prices > 0"),
    ],
)
def test_dynamic_pricing_select_action_refuses_missing_or_bad_prices(prices, message):
    with pytest.raises(ValueError, match=message):
        DynamicPricingBandit().select_action({"a": 0.9, "b": 0.5}, np.random.default_rng(0), prices=prices)


def test_dynamic_pricing_select_action_refuses_prices_of_the_wrong_kind():
    with pytest.raises(TypeError, match=r"prices: expected a mapping of action id to price, got \[1.0, 2.0\]"):
        DynamicPricingBandit().select_action({"a": 0.9, "b": 0.5}, prices=[1.0, 2.0])
    with pytest.raises(TypeError, match=r"prices: expected numbers, got \[1.0, 'x'\]"):
        DynamicPricingBandit().select_action({"a": 0.9, "b": 0.5}, prices={"a": 1.0, "b": "x"})


@pytest.mark.parametrize("strategy", [ClassicBandit(), CostControlBandit()])
def test_strategies_without_prices_refuse_them(strategy):
    costs = {"a": 1.0, "b": 2.0} if strategy.uses_costs else None
    with pytest.raises(TypeError, match=rf"prices: {type(strategy).__name__} does not use prices, expected None"):
        strategy.select_action({"a": 0.9, "b": 0.5}, costs=costs, prices={"a": 1.0, "b": 3.0})


def _nan_draws(self, models, n_samples):
    draws = np.full((n_samples, len(models)), 0.5)
    draws[0, 0] = np.nan
    return draws


@pytest.mark.parametrize(
    "make",
    [
        lambda: SmabBernoulli.cold_start(action_ids=["a", "b"], random_seed=0),
        lambda: SmabBernoulli.cold_start(action_ids=["a", "b"], epsilon=0.5, random_seed=0),
        lambda: SmabBernoulliDP.cold_start(action_ids=["a", "b"], action_ids_price={"a": 1.0, "b": 2.0}, random_seed=0),
    ],
    ids=["classic", "epsilon", "pricing"],
)
@pytest.mark.parametrize("call", ["predict", "action_probabilities"])
def test_a_bandit_refuses_nan_sampled_rewards_like_its_strategy(make, call, monkeypatch):
    mab = make()
    monkeypatch.setattr(BaseSmab, "_sample", _nan_draws)
    with pytest.raises(ValueError, match="probs: expected finite sampled expected rewards, got NaN or infinity"):
        getattr(mab, call)(**({"n_samples": 3} if call == "predict" else {"n_draws": 3}))


def test_a_bandits_selection_goes_through_the_strategys_checks_with_the_same_draws():
    mab = SmabBernoulliDP.cold_start(
        action_ids=["a", "b"], action_ids_price={"a": 1.0, "b": 2.0}, epsilon=0.2, random_seed=3
    )
    mab.update(["a"] * 20 + ["b"] * 20, [1] * 15 + [0] * 5 + [1] * 8 + [0] * 12)
    copy = mab.model_copy(deep=True)
    probs = np.random.default_rng(1).random((50, 2))
    prices = np.broadcast_to([1.0, 2.0], (50, 2))
    chosen = mab._strategy_indices(probs, ["a", "b"])
    expected = copy.strategy.select(probs, copy._rng, None, prices=prices)
    assert np.array_equal(chosen, expected)
    assert mab.get_state() == copy.get_state()  # as many draws as the strategy's own selection


def test_the_unused_list_selection_is_gone():
    assert not hasattr(BaseMab, "_select")
