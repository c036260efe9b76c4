"""Quantitative actions and dynamic pricing on stochastic bandits."""

from __future__ import annotations

import numpy as np
import pytest

import pybandits
from pybandits.boundary.quantities import ActionChoice
from pybandits.model.zooming import Zooming
from pybandits.smab import SmabBernoulli, SmabBernoulliCC, SmabBernoulliDP, SmabBernoulliMO, SmabGaussian
from pybandits.transfer import edit_model_on_the_fly


def _demand(price: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-(3.0 - 0.6 * price)))


def _price(quantities: np.ndarray) -> np.ndarray:
    return 1.0 + 9.0 * quantities[:, 0]


def test_a_bandit_with_quantitative_actions_predicts_choices():
    mab = SmabBernoulli.cold_start(action_ids=["a"], quantitative_action_ids={"dose": 2}, random_seed=0)
    assert isinstance(mab.actions["dose"], Zooming) and mab.quantity_dimensions == {"dose": 2}
    choices, probs = mab.predict(n_samples=50)
    assert all(isinstance(choice, ActionChoice) for choice in choices)
    for choice in choices:
        if choice.action_id == "dose":
            assert len(choice.quantity) == 2 and all(0 <= q <= 1 for q in choice.quantity)
        else:
            assert choice.quantity is None
    assert set(probs[0]) == {"a", "dose"}
    plain = SmabBernoulli.cold_start(action_ids=["a", "b"], random_seed=0)
    assert all(isinstance(action, str) for action in plain.predict(n_samples=3)[0])


def test_updates_take_choices_or_explicit_quantities():
    mab = SmabBernoulli.cold_start(action_ids=["a"], quantitative_action_ids=["dose"], random_seed=0)
    choices, _ = mab.predict(n_samples=20)
    mab.update(choices, rewards=[1] * 20)
    seen = mab.actions["dose"].n_observations + mab.actions["a"].n_observations
    assert seen == 20
    mab.update(actions=["dose", "a"], rewards=[0, 1], quantities=[[0.3], None])
    assert mab.actions["dose"].n_observations + mab.actions["a"].n_observations == 22


@pytest.mark.parametrize(
    ("actions", "quantities", "match"),
    [
        (["dose"], None, "quantities: expected the quantity .* 'dose' .* row 0, got None"),
        (["a"], [[0.5]], "quantities: expected None for the ordinary action 'a' in row 0"),
        (["dose"], [[1.5]], r"quantities: expected quantities in \[0, 1\] for 'dose' in row 0, got \[1.5\]"),
        (["dose"], [[0.1, 0.2]], "quantities: expected 1 finite number"),
        (["dose"], [[float("nan")]], "quantities: expected 1 finite number"),
        (["dose", "a"], [[0.1]], "quantities: expected one entry per row"),
    ],
)
def test_bad_quantities_are_refused_and_change_nothing(actions, quantities, match):
    mab = SmabBernoulli.cold_start(action_ids=["a"], quantitative_action_ids=["dose"], random_seed=0)
    before = mab.get_state()
    with pytest.raises(ValueError, match=match):
        mab.update(actions=actions, rewards=[1] * len(actions), quantities=quantities)
    assert mab.get_state() == before


def test_forbidden_actions_take_whole_actions_and_regions():
    mab = SmabBernoulli.cold_start(action_ids=["a"], quantitative_action_ids=["dose"], random_seed=0)
    choices, _ = mab.predict(n_samples=200, forbidden_actions={"a": None, "dose": [([0.0], [0.5])]})
    assert {c.action_id for c in choices} == {"dose"} and all(c.quantity[0] > 0.5 for c in choices)
    with pytest.raises(ValueError, match="expected regions for the quantitative actions"):
        mab.predict(forbidden_actions={"a": [([0.0], [0.5])]})
    with pytest.raises(ValueError, match="0 <= low < high <= 1"):
        mab.predict(forbidden_actions={"dose": [([0.6], [0.5])]})
    with pytest.raises(ValueError, match="expected regions of 'dose' that leave some quantity"):
        mab.predict(forbidden_actions={"a": None, "dose": [([0.0], [1.0])]})


def test_cold_start_refuses_bad_quantitative_settings():
    with pytest.raises(ValueError, match="not also ordinary action_ids"):
        SmabBernoulli.cold_start(action_ids=["a"], quantitative_action_ids=["a"])
    with pytest.raises(ValueError, match="dimension that is an integer >= 1"):
        SmabBernoulli.cold_start(action_ids=["a"], quantitative_action_ids={"q": 0})
    with pytest.raises(TypeError, match="multi-objective"):
        SmabBernoulliMO.cold_start(action_ids=["a"], n_objectives=2, quantitative_action_ids=["q"])
    with pytest.raises(ValueError, match="cost for each quantitative action"):
        SmabBernoulliCC.cold_start(action_ids_cost={"a": 1.0}, quantitative_action_ids=["q"])
    with pytest.raises(ValueError, match="quantitative_kwargs: expected it with quantitative_action_ids"):
        SmabBernoulli.cold_start(action_ids=["a"], quantitative_kwargs={"n_max_segments": 4})
    cc = SmabBernoulliCC.cold_start(action_ids_cost={"a": 1.0, "q": 2.0}, quantitative_action_ids=["q"])
    assert cc.actions["q"].cost == 2.0
    gaussian = SmabGaussian.cold_start(quantitative_action_ids=["q"], prior={"mu": 10.0})
    assert gaussian.actions["q"].prior.mu == 10.0


def test_dynamic_pricing_learns_the_revenue_optimal_price():
    grid = np.linspace(1.0, 10.0, 10_001)
    revenue = grid * _demand(grid)
    optimal, uniform = grid[revenue.argmax()], revenue.mean()
    ratios = []
    for seed in range(3):
        rng = np.random.default_rng(seed)
        mab = SmabBernoulliDP.cold_start(
            quantitative_action_ids=["price"], action_ids_price={"price": _price}, random_seed=seed
        )
        regret, late = 0.0, []
        for batch in range(20):
            choices, _ = mab.predict(n_samples=100)
            prices = np.array([1.0 + 9.0 * c.quantity[0] for c in choices])
            regret += float((revenue.max() - prices * _demand(prices)).sum())
            late += prices.tolist() if batch >= 15 else []
            mab.update(choices, rewards=(rng.random(100) < _demand(prices)).astype(int))
        ratios.append(regret / (2000 * (revenue.max() - uniform)))
        assert abs(np.median(late) - optimal) < 0.75
    assert np.mean(ratios) < 0.3


def test_dynamic_pricing_with_fixed_prices_maximises_revenue():
    mab = SmabBernoulliDP.cold_start(action_ids=["cheap", "dear"], action_ids_price={"cheap": 1.0, "dear": 10.0})
    mab.update(actions=["cheap"] * 100 + ["dear"] * 100, rewards=[1] * 90 + [0] * 10 + [1] * 30 + [0] * 70)
    actions, probs = mab.predict(n_samples=200)
    assert actions.count("dear") > 190 and 0 < probs[0]["cheap"] < 1  # 10 * 0.3 beats 1 * 0.9


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({}, TypeError, "action_ids_price: SmabBernoulliDP needs a price per action, expected .*, got None"),
        ({"action_ids_price": {"a": 0.0, "q": 1.0}}, ValueError, "expected a price > 0"),
        ({"action_ids_price": {"a": 1.0}}, ValueError, r"missing \['q'\]"),
        ({"action_ids_price": {"a": _price, "q": 1.0}}, TypeError, "a price function needs a quantitative action"),
        ({"action_ids_price": [1.0]}, TypeError, "action_ids_price: expected a mapping"),
    ],
)
def test_bad_prices_are_refused(kwargs, error, match):
    with pytest.raises(error, match=match):
        SmabBernoulliDP.cold_start(action_ids=["a"], quantitative_action_ids=["q"], **kwargs)


def test_prices_belong_to_pricing_bandits_only():
    with pytest.raises(TypeError, match="does not price its actions"):
        SmabBernoulli.cold_start(action_ids=["a"], action_ids_price={"a": 1.0})


BAD_PRICE_FUNCTIONS = [
    (lambda q: 1 / 0, r" failed: expected \d+ finite prices > 0 .*, got ZeroDivisionError"),
    (lambda q: -np.ones(len(q)), r": expected .*, got -1.0 at quantity"),
    (lambda q: np.zeros(len(q)), r": expected .*, got 0.0 at quantity"),
    (lambda q: np.full(len(q), np.nan), r": expected .*, got nan at quantity"),
    (lambda q: np.full(len(q), np.inf), r": expected .*, got inf at quantity"),
    (lambda q: None, r": expected .*, got None \(NoneType\)"),
    (lambda q: np.ones(3), r": expected .*, got shape \(3,\)"),
    (lambda q: np.ones(len(q) + 1), r": expected .*, got shape"),
    (lambda q: ["9.99"] * len(q), r": expected .*, got \['9.99'"),
    (lambda q: np.ones(len(q), dtype=bool), r": expected .*, got array\(\[ True"),
    (lambda q: {"price": 1.0}, r": expected .*, got \{'price': 1.0\}"),
]


@pytest.mark.parametrize(("function", "match"), BAD_PRICE_FUNCTIONS)
@pytest.mark.parametrize("call", ["predict", "action_probabilities"])
def test_a_failing_price_function_is_named_and_changes_nothing(function, match, call):
    """Prices are evaluated after the quantities are drawn: a refusal puts the random generator back."""
    mab = SmabBernoulliDP.cold_start(
        action_ids=["a"], quantitative_action_ids=["q"], action_ids_price={"a": 1.0, "q": function}, random_seed=0
    )
    before = mab.get_state()
    with pytest.raises(ValueError, match=f"action_ids_price: the price function of 'q'{match}"):
        getattr(mab, call)(**({"n_samples": 5} if call == "predict" else {"n_draws": 5}))
    assert mab.get_state() == before


def test_a_price_function_cannot_change_the_quantities_played():
    """It gets a read-only copy: writing into it fails (and is refused); keeping it changes nothing later."""

    def writes(q):
        q[:] = 0.123
        return 1.0 + q[:, 0]

    mab = SmabBernoulliDP.cold_start(
        action_ids=["a"], quantitative_action_ids=["q"], action_ids_price={"a": 1e-3, "q": writes}, random_seed=0
    )
    before = mab.get_state()
    with pytest.raises(ValueError, match="action_ids_price: the price function of 'q' failed: .*read-only"):
        mab.predict(n_samples=3)
    assert mab.get_state() == before
    kept = []

    def keeps(q):
        kept.append(q)
        return 1.0 + q[:, 0]

    mab = SmabBernoulliDP.cold_start(
        action_ids=["a"], quantitative_action_ids=["q"], action_ids_price={"a": 1e-3, "q": keeps}, random_seed=0
    )
    choices, _ = mab.predict(n_samples=3)
    played = [choice.quantity for choice in choices]
    kept[0].flags.writeable = True  # a copy of its own: the function may unlock it, and write
    kept[0][:] = 0.5
    assert [choice.quantity for choice in choices] == played and all(q != (0.5,) for q in played)
    assert not np.shares_memory(kept[0], np.array(played))


def test_price_functions_are_asked_for_when_a_state_is_loaded(tmp_path):
    mab = SmabBernoulliDP.cold_start(
        action_ids=["a"], quantitative_action_ids=["q"], action_ids_price={"a": 2.0, "q": _price}, random_seed=0
    )
    _, state = mab.get_state()
    assert '"q": "function"' in state.replace(" ", "").replace('"q":"function"', '"q": "function"')
    with pytest.raises(
        ValueError, match=r"price_functions: expected a function .* \['q'\]; got missing or not callable \['q'\]"
    ):
        SmabBernoulliDP.from_state(state)
    restored = SmabBernoulliDP.from_state(state, price_functions={"q": _price})
    assert restored == mab and restored.predict(n_samples=3)[0] == mab.predict(n_samples=3)[0]
    path = tmp_path / "pricing.json"
    pybandits.save(mab, path)
    assert pybandits.load(path, price_functions={"q": _price}) == restored
    with pytest.raises(ValueError, match="price_functions"):
        pybandits.load(path)


def test_transfer_keeps_segments_and_refuses_to_change_an_action_kind():
    current = SmabBernoulli.cold_start(action_ids=["a"], quantitative_action_ids=["q"], random_seed=0)
    rng = np.random.default_rng(0)
    quantities = rng.random((400, 1))
    current.update(actions=["q"] * 400, rewards=(quantities[:, 0] > 0.5).astype(int), quantities=quantities)
    template = SmabBernoulli.cold_start(action_ids=["a", "b"], quantitative_action_ids=["q"], random_seed=1)
    evolved = edit_model_on_the_fly(current, template)
    assert evolved.actions["q"].segments == current.actions["q"].segments
    ordinary = SmabBernoulli.cold_start(action_ids=["a", "q"])
    with pytest.raises((TypeError, ValueError), match="'q'"):
        edit_model_on_the_fly(current, ordinary)
    quantitative = SmabBernoulli.cold_start(quantitative_action_ids=["a", "q"])
    with pytest.raises((TypeError, ValueError), match="'a'"):
        edit_model_on_the_fly(current, quantitative)
