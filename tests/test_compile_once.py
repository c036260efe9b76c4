"""A small bandit compiles one fitting graph, whatever each update plays and whichever levels it holds."""

from __future__ import annotations

import numpy as np
import pytest

from pybandits.cmab import CmabBernoulli
from pybandits.engines.cache import ENGINES
from pybandits.engines.plan import FEW_NETWORKS, plan_groups, slot_count
from pybandits.engines.subtables import WHOLE_TABLE_ROWS, observed_rows
from pybandits.model.bnn.action import Bnn


def test_a_new_bandit_fits_in_one_graph_whatever_the_traffic_and_levels(monkeypatch):
    """Every update's ADVI fits use one engine key: one compiled graph for the bandit's life."""
    used = []
    hold = ENGINES.hold

    def recording(key, build):
        used.append(key)
        return hold(key, build)

    monkeypatch.setattr(ENGINES, "hold", recording)
    ids = ["a0", "a1", "a2"]
    mab = CmabBernoulli.cold_start(
        action_ids=ids, n_features=2, categorical_features={1: 50}, update_kwargs={"num_steps": 5}, random_seed=0
    )
    rng = np.random.default_rng(0)
    # traffic that met a new slot count, row bucket or table size at each update before
    for played, n_rows, n_levels in ([ids, 90, 40], [["a0"], 7, 3], [["a0", "a1"], 150, 12], [ids, 31, 25]):
        context = np.column_stack([rng.normal(size=n_rows), rng.integers(0, n_levels, n_rows)])
        actions = [played[0]] * (n_rows - len(played) + 1) + played[1:]
        mab.update(actions=actions, rewards=rng.integers(0, 2, n_rows), context=context)
    assert len(used) == 4 and len(set(used)) == 1 and used[0][-1] == slot_count(3)


def test_the_plan_fixes_the_slots_of_a_few_small_networks():
    models = {a: Bnn.cold_start(n_features=3) for a in ("a", "b", "c")}
    for tasks in ([("a", 200, 1)], [("a", 200, 1), ("b", 5, 2)], [("c", 9, 3), ("b", 300, 2), ("a", 40, 1)]):
        (plan,) = plan_groups(models, tasks)
        assert plan.n_slots == 3 and len(plan.members) == len(tasks)
        assert [m[0] for m in plan.members] == [t[0] for t in sorted(tasks, key=lambda t: -t[1])]


def test_many_or_large_networks_keep_the_ladder_plan():
    many = {f"a{i}": Bnn.cold_start(n_features=3) for i in range(FEW_NETWORKS + 1)}
    plans = plan_groups(many, [("a0", 200, 1), ("a1", 5, 2)])
    assert [plan.n_slots for plan in plans] == [None, None] and len(plans) == 2  # two row buckets
    few = {a: Bnn.cold_start(n_features=3) for a in ("a", "b")}
    (plan,) = plan_groups(few, [("a", 10**6, 1)])  # a block of 2 x 10^6 x 3 values is not small
    assert plan.n_slots is None
    one_at_a_time = {a: Bnn.cold_start(n_features=3, update_kwargs={"actions_per_fit": 1}) for a in ("a", "b")}
    assert [plan.n_slots for plan in plan_groups(one_at_a_time, [("a", 9, 1), ("b", 9, 2)])] == [None, None]


def test_a_small_table_is_cut_to_its_size_and_a_large_one_to_the_levels_present():
    context = np.array([[0.5, 3.0], [0.1, 7.0]])
    small = Bnn.cold_start(n_features=2, categorical={1: (WHOLE_TABLE_ROWS, 2)})
    large = Bnn.cold_start(n_features=2, categorical={1: (WHOLE_TABLE_ROWS + 1, 2)})
    assert observed_rows([small], [context])[0][0].network.embeddings[0].cardinality == WHOLE_TABLE_ROWS
    cut, recoded, restore = observed_rows([large], [context])
    assert cut[0].network.embeddings[0].cardinality == 2 and recoded[0][:, 1].tolist() == [0.0, 1.0]
    fitted = cut[0].network.parameters
    assert restore(0, fitted)["e1"].shape == (WHOLE_TABLE_ROWS + 1, 2)


def test_fit_refuses_fewer_slots_than_networks():
    from pybandits.engines.advi import fit_vi

    prior = Bnn.cold_start(n_features=2, update_kwargs={"num_steps": 2})
    rows = [np.zeros((3, 2))] * 2
    with pytest.raises(ValueError, match="n_slots: expected at least the 2 networks"):
        fit_vi([prior, prior], rows, [np.ones(3)] * 2, prior.inference, [1, 2], None, 1)


def test_objectives_count_as_networks_and_nuts_networks_stay_alone():
    import pickle

    from pybandits.engines.plan import plan_fits
    from pybandits.model.bnn.multi import BnnMO

    two_objectives = {a: BnnMO(objectives=[Bnn.cold_start(n_features=2)] * 2) for a in ("a", "b", "c")}
    (plan,) = plan_groups(two_objectives, [("a", 30, 1)])
    assert plan.n_slots == slot_count(6) and plan.members == [("a", 0), ("a", 1)]
    nine = {a: BnnMO(objectives=[Bnn.cold_start(n_features=2)] * 3) for a in ("a", "b", "c")}  # 9 networks
    assert [p.n_slots for p in plan_groups(nine, [("a", 30, 1)])] == [None]
    nuts = {a: Bnn.cold_start(n_features=2, update_method="MCMC") for a in ("a", "b")}
    assert [p.n_slots for p in plan_groups(nuts, [("a", 30, 1), ("b", 20, 2)])] == [None, None]
    mixed = {"a": Bnn.cold_start(n_features=2), "b": Bnn.cold_start(n_features=2, hidden_dim_list=[3])}
    plans = plan_groups(mixed, [("a", 30, 1), ("b", 5, 2)])  # two graph keys, one network each
    assert [(p.members, p.n_slots) for p in plans] == [([("a", None)], 1), ([("b", None)], 1)]
    models = {a: Bnn.cold_start(n_features=2) for a in ("a", "b")}
    (group,) = plan_fits(models, [("a", np.arange(3), 1)], np.zeros((3, 2)), np.ones(3))
    assert group.n_slots == 2 and pickle.loads(pickle.dumps(group)).n_slots == 2  # what a process pool ships
