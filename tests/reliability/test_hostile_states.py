"""Damaged or hostile state files: refused with a clear error, never a bandit that misbehaves later."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

import pybandits
from pybandits.bandits.base import BaseMab
from pybandits.cmab import CmabBernoulli, CmabBernoulliMOCC
from pybandits.smab import SmabBernoulliCC

STATES = [
    CmabBernoulli.cold_start(action_ids={"a", "b"}, n_features=2, hidden_dim_list=[2], random_seed=0).get_state()[1],
    CmabBernoulliMOCC.cold_start(action_ids_cost={"a": 1.0}, n_features=2, n_objectives=2, random_seed=0).get_state()[
        1
    ],
    SmabBernoulliCC.cold_start(action_ids_cost={"a": 1.0, "b": 2.0}, epsilon=0.1, random_seed=0).get_state()[1],
]


@settings(max_examples=150, deadline=None)
@given(state=st.sampled_from(STATES), data=st.data())
def test_a_value_replaced_anywhere(state, data, damage):
    document = json.loads(state)
    path = data.draw(st.sampled_from(list(damage.paths(document))))
    damage.usable_or_refused(json.dumps(damage.replace(document, path, data.draw(damage.junk))))


@settings(max_examples=60, deadline=None)
@given(state=st.sampled_from(STATES), cut=st.floats(0.0, 1.0))
def test_truncated_files(state, cut, damage):
    damage.usable_or_refused(state[: int(len(state) * cut)])


@settings(max_examples=60, deadline=None)
@given(state=st.sampled_from(STATES), data=st.data())
def test_unknown_keys_are_refused(state, data, damage):
    document = json.loads(state)
    path = data.draw(st.sampled_from([p for p in damage.paths(document) if isinstance(_get(document, p), dict)]))
    _get(document, path)["unexpected_key"] = 1
    try:
        BaseMab.from_state(json.dumps(document))
    except ValueError:
        return
    raise AssertionError(f"an unknown key at {path} was accepted")


def _get(document, path):
    for step in path:
        document = document[step]
    return document


def test_non_finite_and_negative_numbers_are_refused():
    document = json.loads(STATES[0])
    weight = document["bandit"]["actions"]["a"]["network"]["layers"][0]["weight"]
    for field, value in (("mu", float("nan")), ("sigma", -1.0), ("sigma", 0.0), ("mu", float("inf"))):
        broken = json.loads(json.dumps(document))
        target = broken["bandit"]["actions"]["a"]["network"]["layers"][0]["weight"]
        target[field] = [[value] * len(row) for row in weight[field]]
        text = json.dumps(broken)  # writes NaN / Infinity literals, which Python's json reads back
        try:
            BaseMab.from_state(text)
        except ValueError as error:
            assert field in str(error)
        else:
            raise AssertionError(f"{field}={value} was accepted")


def test_shapes_that_disagree_with_the_architecture_are_refused():
    document = json.loads(STATES[0])
    layers = document["bandit"]["actions"]["a"]["network"]["layers"]
    layers[1]["weight"]["mu"] = [[0.0]] * 5
    layers[1]["weight"]["sigma"] = [[1.0]] * 5
    layers[1]["weight"]["nu"] = [[5.0]] * 5
    try:
        BaseMab.from_state(json.dumps(document))
    except ValueError as error:
        assert "layer 0 has 2 outputs but layer 1 expects 5 inputs" in str(error)
    else:
        raise AssertionError("a network whose layers do not chain was accepted")


def test_deeply_nested_and_huge_documents(tmp_path):
    for text in ("[" * 200_000 + "]" * 200_000, '{"schema_version": 1, "x": ' + "[" * 5000 + "]" * 5000 + "}"):
        try:
            BaseMab.from_state(text)
        except ValueError:
            pass
        else:
            raise AssertionError("a deeply nested document was accepted")
    huge = json.loads(STATES[2])
    huge["bandit"]["actions"] = {f"a{i}": {"n_successes": 1, "n_failures": 1, "cost": 1.0} for i in range(50_000)}
    path = tmp_path / "huge.json"
    path.write_text(json.dumps(huge))
    assert len(pybandits.load(path).actions) == 50_000  # large but valid: loads
