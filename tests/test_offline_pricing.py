"""pybandits.offline.evaluate on dynamic-pricing bandits (revenue) and quantitative actions (refused)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pybandits.cmab import CmabBernoulli, CmabBernoulliDP
from pybandits.offline import evaluate
from pybandits.smab import SmabBernoulli, SmabBernoulliDP

PRICES = {"cheap": 1.0, "dear": 10.0}
BUYS = {"cheap": 0.8, "dear": 0.2}  # purchase probabilities: revenues 0.8 and 2.0


def _logs(n: int, seed: int, n_features: int = 0) -> pd.DataFrame:
    """Purchases logged by a policy that offered either price with probability 1/2."""
    rng = np.random.default_rng(seed)
    offered = rng.choice(list(PRICES), n)
    bought = (rng.random(n) < np.vectorize(BUYS.get)(offered)).astype(int)
    frame = pd.DataFrame({"action": offered, "reward": bought})
    for j in range(n_features):
        frame[f"x{j}"] = rng.normal(size=n)
    frame["propensity"] = 0.5
    return frame


def _revenue(logs: pd.DataFrame) -> np.ndarray:
    return logs["action"].map(PRICES).to_numpy() * logs["reward"].to_numpy()


def test_a_pricing_bandit_is_scored_on_revenue_not_on_purchases():
    # epsilon 1: the evaluated policy offers either price with probability exactly 1/2, like the logger
    mab = SmabBernoulliDP.cold_start(action_ids=list(PRICES), action_ids_price=PRICES, epsilon=1.0, random_seed=0)
    logs = _logs(400, seed=1)
    estimated = np.tile([0.7, 0.3], (len(logs), 1))  # purchase probabilities of cheap and dear
    report = evaluate(
        mab, logs, estimators=["ipw", "dm", "dr"], n_bootstrap=50, random_seed=0, estimated_rewards=estimated
    )
    values = report.set_index("estimator")["value"]
    revenue = _revenue(logs).mean()
    assert values["logged"] == pytest.approx(revenue)
    assert values["ipw"] == pytest.approx(revenue)  # weights 1: the logged revenue
    assert values["dm"] == pytest.approx(0.5 * (1.0 * 0.7 + 10.0 * 0.3))
    model_at_logged = np.where(logs["action"] == "cheap", 1.0 * 0.7, 10.0 * 0.3)
    assert values["dr"] == pytest.approx(values["dm"] + revenue - model_at_logged.mean())
    assert report.attrs["reward"] == "revenue: price x reward (purchase)"


def test_a_trained_pricing_bandit_is_worth_its_revenue():
    mab = SmabBernoulliDP.cold_start(action_ids=list(PRICES), action_ids_price=PRICES, random_seed=0)
    train = _logs(400, seed=2)
    mab.update(train["action"].tolist(), train["reward"].tolist())
    logs = _logs(3000, seed=3)
    report = evaluate(mab, logs, estimators=["ipw", "snipw", "dm", "dr"], n_bootstrap=200, random_seed=0)
    _, policy = mab.model_copy(deep=True).action_probabilities(n_draws=2000)
    assert float(policy[0] @ [PRICES[a] * BUYS[a] for a in mab.actions]) > 1.5  # it offers the dear price
    bought = logs.groupby("action")["reward"].mean()  # the purchase rates these logs show
    truth = float(policy[0] @ [PRICES[a] * bought[a] for a in mab.actions])
    values = report.set_index("estimator")
    for name in ("ipw", "snipw", "dm", "dr"):
        assert abs(values.loc[name, "value"] - truth) < 4 * values.loc[name, "std"] + 0.05, name
    assert values.loc["logged", "value"] == pytest.approx(_revenue(logs).mean())


def test_a_contextual_pricing_bandit_is_scored_on_revenue():
    mab = CmabBernoulliDP.cold_start(action_ids=list(PRICES), n_features=2, action_ids_price=PRICES, epsilon=1.0)
    logs = _logs(300, seed=4, n_features=2)
    estimated = np.tile([0.6, 0.1], (len(logs), 1))
    report = evaluate(mab, logs, estimators=["ipw", "dm"], n_bootstrap=50, random_seed=0, estimated_rewards=estimated)
    values = report.set_index("estimator")["value"]
    assert values["logged"] == pytest.approx(_revenue(logs).mean())
    assert values["ipw"] == pytest.approx(_revenue(logs).mean())
    assert values["dm"] == pytest.approx(0.5 * (1.0 * 0.6 + 10.0 * 0.1))


def test_a_bandit_without_prices_is_still_scored_on_its_reward():
    mab = SmabBernoulli.cold_start(action_ids=list(PRICES), epsilon=1.0, random_seed=0)
    logs = _logs(200, seed=5)
    report = evaluate(mab, logs, estimators=["ipw"], n_bootstrap=20, random_seed=0)
    assert report.set_index("estimator").loc["logged", "value"] == pytest.approx(logs["reward"].mean())
    assert report.attrs["reward"] == "reward"


@pytest.mark.parametrize(
    "make",
    [
        lambda: SmabBernoulli.cold_start(action_ids=["a"], quantitative_action_ids={"dose": 1}, random_seed=0),
        lambda: SmabBernoulliDP.cold_start(
            action_ids=["a"],
            quantitative_action_ids={"dose": 1},
            action_ids_price={"a": 2.0, "dose": lambda q: 1.0 + q[:, 0]},
            random_seed=0,
        ),
        lambda: CmabBernoulli.cold_start(
            action_ids=["a"],
            quantitative_action_ids={"dose": 1},
            n_features=2,
            feature_names=["x0", "x1"],
            hidden_dim_list=[4],
        ),
    ],
    ids=["stochastic", "priced by a function", "contextual with feature names"],
)
def test_quantitative_actions_are_refused_with_what_is_missing(make):
    mab = make()
    logs = _logs(50, seed=6, n_features=2).assign(action=lambda f: np.where(f["action"] == "cheap", "a", "dose"))
    logs["quantity"] = np.where(logs["action"] == "dose", 0.5, np.nan)
    before = mab.get_state()
    with pytest.raises(ValueError, match=r"mab: .*quantitative actions \['dose'\].*density") as error:
        evaluate(mab, logs, estimators=["ipw"], n_bootstrap=10, random_seed=0)
    assert "(action, quantity)" in str(error.value)
    assert mab.get_state() == before
