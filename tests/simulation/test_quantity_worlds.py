"""Simulators of quantitative actions and pricing: surfaces, revenue regret, the grid, bad worlds."""

import numpy as np
import pandas as pd
import pytest

from pybandits.cmab import CmabBernoulli, CmabBernoulliDP
from pybandits.simulation import CmabSimulator, LogisticDemand, SmabSimulator, quantity_grid
from pybandits.smab import SmabBernoulli, SmabBernoulliDP, SmabGaussian

DEMAND = LogisticDemand(intercept=3.0, slope=0.6)  # sigmoid(3 - 0.6 price)


def _price(quantities):
    return 1.0 + 9.0 * quantities[:, 0]


def _peaked(quantities):
    return 0.8 - (quantities[:, 0] - 0.7) ** 2


def _check_bookkeeping(data, ids, pricing=False):
    """The recorded regret is the best action value minus the played value, clipped at 0."""
    value = data["revenue"] if pricing else data["expected"]
    best = data[[f"expected_{a}" for a in ids]].max(axis=1)
    assert np.allclose(data["regret"], np.maximum(best - value, 0.0))
    assert (data["regret"] >= 0).all() and (data["random_regret"] > 0).all()


def test_the_grid_is_documented_and_fixed():
    assert quantity_grid(1).shape == (1001, 1) and np.allclose(np.diff(quantity_grid(1)[:, 0]), 0.001)
    assert quantity_grid(2).shape == (10_000, 2) and quantity_grid(4).shape == (10_000, 4)
    assert quantity_grid(8).shape == (3**8, 8)
    high = quantity_grid(9)
    assert high.shape == (10_000, 9) and np.array_equal(high, quantity_grid(9))  # a fixed random set
    assert ((high >= 0) & (high <= 1)).all()
    with pytest.raises(ValueError, match="dimension: expected an integer >= 1, got 0"):
        quantity_grid(0)


def test_logistic_demand():
    assert np.allclose(DEMAND(np.array([5.0])), 0.5)
    grid = np.linspace(1.0, 10.0, 100_001)
    assert DEMAND.optimal_price(1.0, 10.0) == pytest.approx(grid[np.argmax(grid * DEMAND(grid))])
    surface = DEMAND.surface(_price)
    assert np.allclose(surface(np.array([[0.0], [1.0]])), DEMAND(np.array([1.0, 10.0])))
    assert repr(DEMAND) == "LogisticDemand(intercept=3.0, slope=0.6)"
    with pytest.raises(TypeError, match="slope: expected a finite real number"):
        LogisticDemand(1.0, "steep")
    with pytest.raises(TypeError, match="price_function: expected a function of the quantities"):
        DEMAND.surface(3.0)
    with pytest.raises(ValueError, match="low, high: expected 0 <= low < high"):
        DEMAND.optimal_price(5.0, 1.0)


def test_a_quantitative_world_records_quantities_and_measures_regret_on_the_grid():
    mab = SmabBernoulli.cold_start(action_ids=["a"], quantitative_action_ids=["bonus"], random_seed=0)
    result = SmabSimulator(mab, {"a": 0.3, "bonus": _peaked}, n_updates=15, batch_size=100, random_seed=0).run()
    data = result.data
    assert list(data.columns) == [
        "round",
        "action",
        "quantity",
        "reward",
        "expected",
        "expected_a",
        "expected_bonus",
        "regret",
        "random_regret",
    ]
    bonus = data["action"] == "bonus"
    assert data.loc[~bonus, "quantity"].isna().all()
    quantities = np.array(data.loc[bonus, "quantity"].tolist())
    assert quantities.shape[1] == 1 and ((quantities >= 0) & (quantities <= 1)).all()
    assert np.allclose(data.loc[bonus, "expected"], _peaked(quantities))
    assert np.allclose(data.loc[~bonus, "expected"], 0.3)
    assert np.allclose(data["expected_bonus"], 0.8) and np.allclose(data["expected_a"], 0.3)
    _check_bookkeeping(data, ["a", "bonus"])
    uniform_mean = _peaked(quantity_grid(1)).mean()  # a random action at a random quantity
    assert np.allclose(data["random_regret"], 0.8 - (0.3 + uniform_mean) / 2)
    assert result.truth["best_quantity"] == {"bonus": (0.7,)}
    assert result.summary.regret_ratio < 0.5
    assert result.summary.action_shares["bonus"][-1] > 0.9


@pytest.mark.parametrize("seed", [0, 1])
def test_dynamic_pricing_regret_is_in_revenue_and_well_below_random(seed):
    mab = SmabBernoulliDP.cold_start(
        quantitative_action_ids=["price"], action_ids_price={"price": _price}, random_seed=seed
    )
    surface = DEMAND.surface(_price)
    result = SmabSimulator(mab, {"price": surface}, n_updates=20, batch_size=100, random_seed=seed).run()
    data = result.data
    assert {"quantity", "price", "expected", "revenue"} <= set(data.columns)
    quantities = np.array(data["quantity"].tolist())
    assert np.allclose(data["price"], _price(quantities))
    assert np.allclose(data["expected"], DEMAND(data["price"]))
    assert np.allclose(data["revenue"], data["price"] * data["expected"])
    grid_revenue = _price(quantity_grid(1)) * surface(quantity_grid(1))
    assert np.allclose(data["expected_price"], grid_revenue.max())
    assert np.allclose(data["random_regret"], grid_revenue.max() - grid_revenue.mean())
    _check_bookkeeping(data, ["price"], pricing=True)
    assert result.summary.regret_ratio < 0.5
    best_price = _price(np.array([result.truth["best_quantity"]["price"]]))[0]
    assert best_price == pytest.approx(DEMAND.optimal_price(1.0, 10.0), abs=0.01)


def test_fixed_prices_measure_revenue_too():
    mab = SmabBernoulliDP.cold_start(action_ids=["cheap", "dear"], action_ids_price={"cheap": 1.0, "dear": 10.0})
    result = SmabSimulator(mab, {"cheap": 0.9, "dear": 0.3}, n_updates=10, batch_size=50, random_seed=0).run()
    data = result.data
    assert "quantity" not in data and np.allclose(data["expected_dear"], 3.0)
    assert np.allclose(data.loc[data["action"] == "cheap", "regret"], 2.1)  # 10 * 0.3 - 1 * 0.9
    assert np.allclose(data["random_regret"], 3.0 - (0.9 + 3.0) / 2)
    assert result.summary.action_shares["dear"][-1] > 0.8


def test_a_number_for_a_quantitative_action_is_a_constant_surface():
    mab = SmabGaussian.cold_start(action_ids=["a"], quantitative_action_ids={"q": 2}, random_seed=0)
    result = SmabSimulator(mab, {"a": 1.0, "q": 2.0}, n_updates=3, batch_size=20, random_seed=0).run()
    played_q = result.data["action"] == "q"
    assert np.allclose(result.data.loc[played_q, "regret"], 0.0)
    assert all(len(q) == 2 for q in result.data.loc[played_q, "quantity"])
    assert result.truth["best_quantity"] == {"q": None}  # every quantity is best


@pytest.mark.parametrize(
    ("probs_reward", "error", "match"),
    [
        ({"a": lambda q: q[:, 0], "q": 0.5}, TypeError, "needs a quantitative action, got one for the ordinary .* 'a'"),
        ({"a": 0.5, "q": lambda q: np.ones(3)}, ValueError, r"surface of 'q' should map .* \(1001, 1\) .* \(3,\)"),
        ({"a": 0.5, "q": lambda q: 2 * q[:, 0]}, ValueError, r"surface of 'q' gave 1.002 at quantity \[0.501\]"),
        ({"a": 0.5, "q": lambda q: 1 / 0}, ValueError, "reward surface of 'q' failed: .*, got ZeroDivisionError"),
        ({"a": 0.5, "q": "high"}, TypeError, r"expected a number for 'q' \(or a reward surface"),
        ({"a": 1.5, "q": 0.5}, ValueError, r"probs_reward: 'a': expected a probability in \[0, 1\], got 1.5"),
        ({"q": 0.5}, ValueError, "expected an expected reward for exactly the actions"),
        ([0.5], TypeError, "probs_reward: expected a mapping"),
    ],
)
def test_bad_worlds_are_named(probs_reward, error, match):
    mab = SmabBernoulli.cold_start(action_ids=["a"], quantitative_action_ids=["q"])
    with pytest.raises(error, match=match):
        SmabSimulator(mab, probs_reward)


def test_a_bandit_without_its_price_functions_is_refused_by_name():
    mab = SmabBernoulliDP.cold_start(quantitative_action_ids=["p"], action_ids_price={"p": _price})
    _, state = mab.get_state()
    bare = SmabBernoulliDP._from_state(state)  # as a command line loads it: no price function
    with pytest.raises(ValueError, match="the price of 'p' is a function, and none was given"):
        SmabSimulator(bare, {"p": DEMAND.surface(_price)})


def _context_world(context):
    peak = 0.5 + 0.4 * np.tanh(context[:, 0])
    return {"a": np.full(len(context), 0.3), "bonus": lambda q: 0.9 - 0.9 * np.abs(q[:, 0] - peak)}


def _cmab(cls=CmabBernoulli, **kwargs):
    return cls.cold_start(n_features=1, hidden_dim_list=[4], update_kwargs={"num_steps": 20}, random_seed=0, **kwargs)


def test_cmab_quantitative_world_bookkeeping():
    mab = _cmab(action_ids=["a"], quantitative_action_ids=["bonus"])
    result = CmabSimulator(mab, _context_world, n_updates=2, batch_size=40, random_seed=0).run()
    data = result.data
    assert list(data.columns[:6]) == ["round", "x0", "action", "quantity", "reward", "expected"]
    bonus = (data["action"] == "bonus").to_numpy()
    assert bonus.any() and data.loc[~bonus, "quantity"].isna().all()
    peak = 0.5 + 0.4 * np.tanh(data["x0"].to_numpy())
    quantities = np.array(data.loc[bonus, "quantity"].tolist())[:, 0]
    assert np.allclose(data.loc[bonus, "expected"], 0.9 - 0.9 * np.abs(quantities - peak[bonus]))
    assert np.allclose(data["expected_bonus"], 0.9, atol=0.9 * 0.0005 + 1e-12)  # the peak, on the grid
    _check_bookkeeping(data, ["a", "bonus"])
    grid = quantity_grid(1)[:, 0]
    means = [np.mean(0.9 - 0.9 * np.abs(grid - p)) for p in peak[:3]]
    assert np.allclose(data["random_regret"][:3], data["expected_bonus"][:3] - (0.3 + np.array(means)) / 2)


def test_cmab_pricing_world_measures_revenue():
    mab = _cmab(CmabBernoulliDP, action_ids=["basic"], quantitative_action_ids=["premium"],
                action_ids_price={"basic": 2.0, "premium": _price})  # fmt: skip

    def world(context):
        shift = 0.5 * context[:, 0]
        return {
            "basic": np.full(len(context), 0.8),
            "premium": lambda q: 1.0 / (1.0 + np.exp(-(3.0 + shift - 0.6 * _price(q)))),
        }

    result = CmabSimulator(mab, world, n_updates=2, batch_size=40, random_seed=1).run()
    data = result.data
    basic = data["action"] == "basic"
    assert np.allclose(data.loc[basic, "price"], 2.0) and np.allclose(data["expected_basic"], 1.6)
    quantities = np.array(data.loc[~basic, "quantity"].tolist())
    assert np.allclose(data.loc[~basic, "price"], _price(quantities))
    assert np.allclose(data["revenue"], data["price"] * data["expected"])
    _check_bookkeeping(data, ["basic", "premium"], pricing=True)


def test_cmab_quantitative_worlds_refuse_bad_input():
    mab = _cmab(action_ids=["a"], quantitative_action_ids=["bonus"])
    with pytest.raises(ValueError, match=r"reward_fn: a bandit with quantitative actions needs .* \['bonus'\]"):
        CmabSimulator(mab)

    def swapped(context):
        return {"a": lambda q: q[:, 0], "bonus": np.full(len(context), 0.5)}

    with pytest.raises(TypeError, match="reward_fn: a reward surface .* ordinary action 'a'"):
        CmabSimulator(mab, swapped, n_updates=1, batch_size=5).run()

    def short(context):
        return {"a": np.full(len(context), 0.5), "bonus": lambda q: np.full(2, 0.5)}

    with pytest.raises(ValueError, match=r"reward surface of 'bonus' should map quantities of shape \(5, 1\)"):
        CmabSimulator(mab, short, n_updates=1, batch_size=5).run()


def test_a_reward_surface_gets_a_read_only_copy_of_the_grid():
    kept = []

    def surface(quantities):
        kept.append(quantities)
        return _peaked(quantities)

    mab = SmabBernoulli.cold_start(action_ids=["a"], quantitative_action_ids=["q"], random_seed=0)
    simulator = SmabSimulator(mab, {"a": 0.5, "q": surface}, n_updates=1, batch_size=5, random_seed=0)
    assert kept and not any(q.flags.writeable for q in kept)
    kept[0].flags.writeable = True  # a copy of its own: the simulator's grid stays the documented one
    kept[0][:] = 0.0
    assert np.array_equal(simulator._world.grids["q"], quantity_grid(1))

    def writes(quantities):
        quantities[:] = 0.7
        return _peaked(quantities)

    with pytest.raises(ValueError, match="probs_reward: the reward surface of 'q' failed: .*read-only"):
        SmabSimulator(mab, {"a": 0.5, "q": writes})


def test_a_reward_function_gets_a_read_only_copy_of_the_context():
    kept = []

    def world(context):
        kept.append(context)
        return _context_world(context)

    mab = _cmab(action_ids=["a"], quantitative_action_ids=["bonus"])
    CmabSimulator(mab, world, n_updates=1, batch_size=10, random_seed=0).run()
    assert kept and not any(context.flags.writeable for context in kept)

    def writes(context):
        context[:, 0] = 0.0  # would change the rows the bandit plays and learns from
        return _context_world(context)

    with pytest.raises(ValueError, match=r"reward_fn: failed on a context of shape \(5, 1\): .*read-only"):
        CmabSimulator(
            _cmab(action_ids=["a"], quantitative_action_ids=["bonus"]), writes, n_updates=1, batch_size=5
        ).run()


def test_plots_of_a_quantity_world(tmp_path):
    pytest.importorskip("matplotlib")
    from pybandits.simulation.plots import plot_action_shares, plot_beliefs, plot_quantities, plot_regret

    mab = SmabBernoulli.cold_start(action_ids=["a"], quantitative_action_ids=["bonus"], random_seed=0)
    result = SmabSimulator(mab, {"a": 0.3, "bonus": _peaked}, n_updates=5, batch_size=40, random_seed=0).run()
    figure = plot_quantities(result, "bonus")
    points, best = figure.axes[0].get_lines()
    played = result.data["action"] == "bonus"
    assert len(points.get_ydata()) == played.sum() and list(best.get_ydata()) == [0.7, 0.7]
    figure.savefig(tmp_path / "q.png")
    assert np.isclose(plot_regret(result).axes[0].get_lines()[0].get_ydata()[-1], result.summary.cumulative_regret)
    plot_action_shares(result).canvas.draw()
    with pytest.raises(ValueError, match="draw their played quantities with plot_quantities"):
        plot_beliefs(result)
    with pytest.raises(ValueError, match=r"action_id: expected one of the bandit's quantitative actions \['bonus'\]"):
        plot_quantities(result, "a")
    two = SmabBernoulli.cold_start(quantitative_action_ids={"q": 2}, random_seed=0)
    surface = SmabSimulator(two, {"q": lambda q: q.mean(axis=1)}, n_updates=2, random_seed=0).run()
    assert [line.get_label() for line in plot_quantities(surface, "q").axes[0].get_lines()][:2] == [
        "quantity[0]",
        "best on the grid",
    ]
    assert isinstance(surface.data, pd.DataFrame)
