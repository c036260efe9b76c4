"""Persistence as data: the migration chain and its steps, and the one registry of bandit classes."""

import copy
import itertools
import json
from pathlib import Path

import numpy as np
import pytest

import pybandits
from pybandits import config
from pybandits.bandits.base import BaseMab
from pybandits.persistence import documents, registry
from pybandits.persistence.migrations import CHAIN, SCHEMA_VERSION, Step, migrate, original, v1_to_v2
from pybandits.smab import SmabBernoulli

DATA = Path(__file__).parent / "data"
#: States of schema version 1, written by pybandits itself (``tests/data/schema1/generate.py``).
V1 = json.loads((DATA / "schema1" / "states.json").read_text())["cases"]
#: States written by the original library, one per release and bandit (``tests/data/legacy``).
ORIGINAL = {
    f"{path.stem}/{name}": case
    for path in sorted((DATA / "legacy").glob("pybandits-*.json"))
    for name, case in json.loads(path.read_text())["bandits"].items()
}
CURRENT = SmabBernoulli.cold_start(action_ids=["a", "b"], epsilon=0.1, random_seed=0).get_state()[1]


def fake_chain(calls):
    """Steps 1 -> 2 -> 3 -> 4 that record their order, given out of order."""

    def step(source):
        def apply(document):
            calls.append(source)
            return {**document, "schema_version": source + 1, "trail": [*document.get("trail", []), source]}

        return Step(source, source + 1, apply)

    return [step(3), step(1), step(2)]


# -- the chain ---------------------------------------------------------------------------------


def test_the_chain_leads_from_version_1_to_the_current_version():
    assert CHAIN[0].source == 1
    assert CHAIN[-1].target == SCHEMA_VERSION
    for earlier, later in itertools.pairwise(CHAIN):
        assert earlier.target == later.source
    assert 1 <= original.TARGET <= SCHEMA_VERSION  # the original library's step joins the chain


@pytest.mark.parametrize(("version", "expected"), [(1, [1, 2, 3]), (2, [2, 3]), (3, [3]), (4, [])])
def test_each_step_is_applied_in_order_from_the_documents_version(version, expected):
    calls = []
    document = {"schema_version": version, "bandit": {}}
    migrated = migrate(document, chain=fake_chain(calls), current=4)
    assert calls == expected
    assert migrated["schema_version"] == 4
    assert migrated.get("trail", []) == expected
    assert migrated is not document


def test_an_original_state_is_carried_on_by_the_chain_after_its_own_step():
    calls = []
    state = json.loads(ORIGINAL["pybandits-5.0.0/smab_classic"]["state"])
    migrated = migrate(state, chain=fake_chain(calls), current=4)
    assert calls == list(range(original.TARGET, 4))
    assert migrated["schema_version"] == 4 and migrated["class"] == "SmabBernoulli"


@pytest.mark.parametrize("future", [SCHEMA_VERSION + 1, SCHEMA_VERSION + 40])
def test_a_document_of_a_future_version_is_refused_with_both_versions_named(tmp_path, future):
    document = {**json.loads(CURRENT), "schema_version": future}
    for call in (lambda: migrate(document), lambda: BaseMab.from_state(document)):
        with pytest.raises(ValueError, match="newer pybandits") as caught:
            call()
        assert f"expected schema version {SCHEMA_VERSION} (this pybandits {pybandits.__version__})" in str(caught.value)
        assert f"got {future}" in str(caught.value)
    path = tmp_path / "future.json"
    path.write_text(json.dumps(document))
    with pytest.raises(ValueError, match=f"future.json: state: expected schema version {SCHEMA_VERSION}.*got {future}"):
        pybandits.load(path)
    with pytest.raises(ValueError, match="expected schema version 4 .*got 5 written by a newer pybandits"):
        migrate({"schema_version": 5}, chain=fake_chain([]), current=4)


@pytest.mark.parametrize("version", [0, -1, True, "2", None, 1.5, [2], float("nan")])
def test_versions_no_step_leads_from_are_refused(version):
    document = {**json.loads(CURRENT), "schema_version": version}
    with pytest.raises(ValueError, match=f"expected schema version {SCHEMA_VERSION}") as caught:
        migrate(document)
    assert "newer" not in str(caught.value)


@pytest.mark.parametrize("document", [[1], "x", 3, None])
def test_what_is_not_an_object_is_refused(document):
    with pytest.raises(ValueError, match="state: expected a JSON object"):
        migrate(document)


def test_a_document_without_a_version_that_is_no_original_state_is_refused():
    with pytest.raises(ValueError, match="with a 'schema_version', got a document without one"):
        migrate({"class": "SmabBernoulli", "bandit": {}})


def test_a_broken_chain_is_caught():
    with pytest.raises(ValueError, match="target version above the source, got 2 -> 1"):
        Step(2, 1, v1_to_v2.migrate)
    with pytest.raises(ValueError, match="two from version 1"):
        migrate({"schema_version": 1}, chain=[*CHAIN, CHAIN[0]])
    lying = Step(1, 2, lambda document: {**document, "schema_version": 3})
    with pytest.raises(RuntimeError, match="1 -> 2 did not write version 2"):
        migrate({"schema_version": 1}, chain=[lying], current=2)


# -- version 1 states --------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(V1))
def test_a_version_1_document_goes_through_every_step_to_the_current_version(name):
    document = json.loads(V1[name]["state"])
    assert document["schema_version"] == 1
    applied = []

    def spy(step):
        def apply(document):
            applied.append((step.source, step.target))
            return step.apply(document)

        return Step(step.source, step.target, apply)

    migrated = migrate(document, chain=[spy(step) for step in CHAIN])
    assert applied == [(step.source, step.target) for step in CHAIN]  # 1 -> 2 -> ... -> current, in order
    assert applied[0] == (1, 2)
    assert migrated["schema_version"] == SCHEMA_VERSION
    assert {key: migrated[key] for key in ("class", "rng", "pybandits_version")} == {
        key: document[key] for key in ("class", "rng", "pybandits_version")
    }


def test_a_version_1_stochastic_bandit_loads_and_predicts_what_it_predicted():
    case = V1["smab_cc"]
    mab = BaseMab.from_state(case["state"])
    assert type(mab).__name__ == "SmabBernoulliCC"
    actions, probs = mab.predict(n_samples=8)  # the saved generator continues where it stopped
    assert actions == case["predictions"]["actions"]
    assert probs == case["predictions"]["probs"]


@pytest.mark.parametrize("name", ["cmab_trained", "cmab_mocc"])
def test_a_version_1_contextual_bandit_keeps_its_posteriors_and_counts(tmp_path, name):
    old = json.loads(V1[name]["state"])
    path = tmp_path / "v1.json"
    path.write_text(V1[name]["state"])
    mab = pybandits.load(path)
    assert type(mab).__name__ == old["class"]
    for action_id, old_action in old["bandit"]["actions"].items():
        action = mab.actions[action_id]
        if "objectives" in old_action:
            pairs = list(zip(old_action["objectives"], action.objectives, strict=True))
        else:
            pairs = [(old_action, action)]
        for old_model, model in pairs:
            assert model.family.name == "bernoulli"
            assert (model.n_successes, model.n_failures) == (old_model["n_successes"], old_model["n_failures"])
            for old_layer, layer in zip(old_model["network"]["layers"], model.network.layers, strict=True):
                np.testing.assert_array_equal(layer.weight.mu, old_layer["weight"]["mu"])
                np.testing.assert_array_equal(layer.weight.sigma, old_layer["weight"]["sigma"])
                np.testing.assert_array_equal(layer.bias.mu, old_layer["bias"]["mu"])
    assert documents.rng_to_state(mab._rng) == old["rng"]
    pybandits.save(mab, tmp_path / "now.json")  # saved in the current layout, and read back equal
    assert json.loads((tmp_path / "now.json").read_text())["schema_version"] == SCHEMA_VERSION
    assert pybandits.load(tmp_path / "now.json") == mab


# -- migrations are pure -----------------------------------------------------------------------

PURE_CASES = (
    [(f"v1/{name}", v1_to_v2.migrate, case["state"]) for name, case in V1.items()]
    + [(f"v1/{name} chain", migrate, case["state"]) for name, case in V1.items()]
    + [(name, original.migrate, case["state"]) for name, case in list(ORIGINAL.items())[::5]]
    + [(f"{name} chain", migrate, case["state"]) for name, case in list(ORIGINAL.items())[::7]]
    + [("current chain", migrate, CURRENT)]
)


@pytest.mark.parametrize(("label", "function", "text"), PURE_CASES, ids=[case[0] for case in PURE_CASES])
def test_a_migration_does_not_change_its_input(label, function, text):
    document = json.loads(text)
    before = copy.deepcopy(document)
    migrated = function(document)
    assert document == before
    assert migrated is not document
    migrated.clear()  # changing the result does not reach the input either
    assert document == before


def test_an_original_state_becomes_a_current_document_whose_generator_the_reader_decides():
    case = ORIGINAL["pybandits-5.0.0/cmab_cc"]
    migrated = migrate(json.loads(case["state"]))
    assert set(migrated) == {"schema_version", "class", "pybandits_version", "bandit"}  # no rng: none recorded
    assert migrated["schema_version"] == SCHEMA_VERSION
    assert migrated["class"] == case["class_name"] and migrated["pybandits_version"] == "5.0.0"
    seeded = documents.read_document(case["state"], random_seed=7)
    assert seeded["rng"] == documents.rng_to_state(np.random.default_rng(7))
    assert seeded["bandit"] == migrated["bandit"]


# -- the registry ------------------------------------------------------------------------------


def test_states_and_configs_name_the_same_classes():
    assert config.bandit_class_names() == registry.bandit_class_names()
    for name, cls in registry.bandit_classes().items():
        assert cls.__name__ == name and registry.bandit_class(name) is cls


def test_a_registered_class_is_loadable_and_nameable_in_a_config(tmp_path, monkeypatch):
    monkeypatch.setattr(registry, "_CLASSES", dict(registry._CLASSES))  # registered for this test only

    class HouseBandit(SmabBernoulli):
        pass

    assert registry.register_bandit(HouseBandit) is HouseBandit
    mab = HouseBandit.cold_start(action_ids=["a", "b"], random_seed=0)
    pybandits.save(mab, tmp_path / "house.json")
    loaded = pybandits.load(tmp_path / "house.json")
    assert type(loaded) is HouseBandit and loaded == mab
    arguments = {"action_ids": ["a", "b"], "random_seed": 0}
    assert config.bandit_from_config({"class": "HouseBandit", "cold_start": arguments}) == mab
    assert "HouseBandit" in config.bandit_class_names()


def test_an_unknown_class_is_refused_naming_the_registered_ones():
    with pytest.raises(ValueError, match="expected the class of a pybandits bandit .*SmabBernoulli.*got 'Nope'"):
        registry.bandit_class("Nope")
    with pytest.raises(TypeError, match="register_bandit: expected a bandit class, got function"):
        registry.register_bandit(lambda: None)
