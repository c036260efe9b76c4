"""``pybandits init`` and config files (``pybandits.config``), and ``edit`` with a config template."""

import json
import os
import re

import numpy as np
import pytest

import pybandits
from pybandits import cmab, smab
from pybandits.bandits import strategies as strategies
from pybandits.cli import main
from pybandits.config import bandit_class_names, bandit_from_config, is_config

# -- writing configs -------------------------------------------------------------------------------


def toml_value(value):
    """``value`` as TOML (inline tables and arrays): enough for the configs of these tests."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(key)} = {toml_value(item)}" for key, item in value.items()) + " }"
    raise TypeError(value)


def write_config(path, class_name, arguments):
    """Write ``{"class": class_name, "cold_start": arguments}`` as TOML or JSON, by ``path``'s extension."""
    if path.suffix == ".json":
        path.write_text(json.dumps({"class": class_name, "cold_start": arguments}))
    else:
        lines = [f"class = {json.dumps(class_name)}", "", "[cold_start]"]
        lines += [f"{key} = {toml_value(value)}" for key, value in arguments.items()]
        path.write_text("\n".join(lines) + "\n")
    return path


def python_arguments(arguments):
    """The cold_start keyword arguments a config's ``cold_start`` table stands for."""
    kwargs = dict(arguments)
    if "strategy" in kwargs:
        fields = dict(kwargs["strategy"])
        kwargs["strategy"] = getattr(strategies, fields.pop("name"))(**fields)
    return kwargs


def snapshot(folder):
    return {path.name: path.read_bytes() for path in folder.iterdir() if path.is_file()}


CONFIGS = {
    "SmabBernoulli": {"action_ids": ["a", "b"], "epsilon": 0.1, "default_action": "a", "random_seed": 1},
    "SmabBernoulliBAI": {
        "action_ids": ["a", "b", "c"],
        "strategy": {"name": "BestActionIdentificationBandit", "exploit_p": 0.7},
        "random_seed": 2,
    },
    "SmabGaussianMOCC": {
        "action_ids_cost": {"cheap": 0.5, "dear": 4},
        "n_objectives": 2,
        "prior": {"mu": 1.0, "kappa": 2.0, "alpha": 3.0, "beta": 1.5},
        "random_seed": 3,
    },
    "CmabBernoulli": {
        "action_ids": ["a1", "a2"],
        "n_features": 3,
        "hidden_dim_list": [8],
        "update_kwargs": {"num_steps": 200},
        "random_seed": 0,
    },
    "CmabBernoulliCC": {
        "action_ids_cost": {"a1": 1.0, "a2": 3.5},
        "n_features": 2,
        "strategy": {"name": "CostControlBandit", "subsidy_factor": 0.3},
        "activation": "relu",
        "dist_params_init": {"mu": 0.0, "sigma": 2.0, "nu": 4.0},
        "random_seed": 4,
    },
    "CmabGaussianMO": {
        "action_ids": ["x", "y"],
        "n_features": 2,
        "n_objectives": 2,
        "reward_loc": [10.0, 0.0],
        "reward_scale": [5.0, 1.0],
        "noise_prior": {"mu": 0.0, "sigma": 0.5},
        "update_method": "MCMC",
        "update_kwargs": {"draws": 100, "tune": 100},
        "random_seed": 5,
    },
    "CmabBernoulliMOCC": {
        "action_ids_cost": {"a": 2.0, "b": 1.0},
        "n_features": 4,
        "n_objectives": 3,
        "hidden_dim_list": [4, 4],
        "use_residual_connections": True,
        "random_seed": 6,
    },
}


def bandit_class(name):
    return getattr(smab if name.startswith("Smab") else cmab, name)


# -- init ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".toml", ".json"])
@pytest.mark.parametrize("class_name", list(CONFIGS))
def test_init_writes_the_bandit_cold_start_makes(tmp_path, capsys, class_name, suffix):
    arguments = CONFIGS[class_name]
    config = write_config(tmp_path / f"bandit{suffix}", class_name, arguments)
    text = config.read_bytes()
    assert main(["init", "--config", str(config), "--out", str(tmp_path / "state.json")]) == 0
    assert f"wrote {tmp_path / 'state.json'}: {class_name}" in capsys.readouterr().err
    assert config.read_bytes() == text

    expected = bandit_class(class_name).cold_start(**python_arguments(arguments))
    loaded = pybandits.load(tmp_path / "state.json")
    assert type(loaded).__name__ == class_name
    assert loaded == expected  # fields and random generator state
    pybandits.save(expected, tmp_path / "expected.json")
    assert json.loads((tmp_path / "state.json").read_text()) == json.loads((tmp_path / "expected.json").read_text())
    assert bandit_from_config(config) == expected


def test_toml_and_json_configs_make_equal_bandits(tmp_path):
    for class_name, arguments in CONFIGS.items():
        from_toml = bandit_from_config(write_config(tmp_path / "c.toml", class_name, arguments))
        from_json = bandit_from_config(write_config(tmp_path / "c.json", class_name, arguments))
        assert from_toml == from_json
        assert bandit_from_config({"class": class_name, "cold_start": arguments}) == from_toml


@pytest.mark.parametrize("class_name", bandit_class_names())
def test_every_public_bandit_class_can_be_named(tmp_path, class_name):
    cls = bandit_class(class_name)
    arguments = {"random_seed": 0}
    if cls.strategy_type.uses_costs:
        arguments["action_ids_cost"] = {"a": 1.0, "b": 2.0}
    else:
        arguments["action_ids"] = ["a", "b"]
    if cls.strategy_type.multi_objective:
        arguments["n_objectives"] = 2
    if cls.strategy_type.uses_prices:
        arguments["action_ids_price"] = {"a": 1.0, "b": 2.5}
    if class_name.startswith("Cmab"):
        arguments["n_features"] = 2
    arguments["strategy"] = {"name": cls.strategy_type.__name__}
    config = write_config(tmp_path / "c.toml", class_name, arguments)
    assert main(["init", "--config", str(config), "--out", str(tmp_path / "s.json"), "--quiet"]) == 0
    assert pybandits.load(tmp_path / "s.json") == cls.cold_start(**python_arguments(arguments))


def test_the_class_names_are_the_public_bandit_classes():
    public = [name for name in smab.__all__ if name.startswith("Smab")]
    public += [name for name in cmab.__all__ if name.startswith("Cmab")]
    assert bandit_class_names() == sorted(public)
    assert len(public) == 22


def test_init_refuses_to_replace_a_saved_bandit_unless_forced(tmp_path, capsys):
    config = write_config(tmp_path / "c.toml", "SmabBernoulli", {"action_ids": ["a"], "random_seed": 0})
    (tmp_path / "s.json").write_text("old")
    assert main(["init", "--config", str(config), "--out", str(tmp_path / "s.json")]) == 2
    assert "--out: expected a new file" in capsys.readouterr().err
    assert (tmp_path / "s.json").read_text() == "old"
    assert main(["init", "--config", str(config), "--out", str(tmp_path / "s.json"), "--force", "--quiet"]) == 0
    assert capsys.readouterr().err == ""
    assert type(pybandits.load(tmp_path / "s.json")).__name__ == "SmabBernoulli"
    assert not [name for name in os.listdir(tmp_path) if name.endswith(".tmp")]


# -- errors ----------------------------------------------------------------------------------------

GOOD = 'class = "CmabBernoulli"\n[cold_start]\naction_ids = ["a", "b"]\nn_features = 2\n'

ERRORS = [
    # (file name, content (None: no file, bytes: raw), regular expression the message must match)
    (
        "c.toml",
        'class = "CmabBernouli"\n[cold_start]\naction_ids = ["a"]\n',
        r"class: expected one of CmabBernoulli, .*SmabGaussianMOCC, got 'CmabBernouli' "
        r"\(did you mean 'CmabBernoulli'\?\)",
    ),
    ("c.toml", 'class = "BaseCmab"\n[cold_start]\naction_ids = ["a"]\n', r"class: expected one of .*got 'BaseCmab'"),
    ("c.toml", "class = 3\n[cold_start]\n", r"class: expected the name of a bandit class, got 3 \(int\)"),
    ("c.toml", '[cold_start]\naction_ids = ["a"]\n', r"class: expected the name of a bandit class .*got no 'class'"),
    ("c.toml", 'class = "SmabBernoulli"\n', r"cold_start: expected a table of SmabBernoulli.cold_start's arguments"),
    ("c.toml", 'class = "SmabBernoulli"\ncold_start = 1\n', r"cold_start: expected a table .*got 1 \(int\)"),
    (
        "c.toml",
        GOOD + "n_feature = 3\n",
        r"cold_start: CmabBernoulli.cold_start takes no argument 'n_feature' \(did you mean 'n_features'\?\); "
        r"expected one of action_ids, n_features, strategy, hidden_dim_list, .*reward_scale",
    ),
    (
        "c.toml",
        GOOD + "[extra]\nx = 1\n",
        r"config: expected the keys 'class' and 'cold_start' only, got unknown \['extra'\]",
    ),
    ("c.toml", GOOD.replace("n_features = 2", "n_features = 0"), r"n_features: expected an integer >= 1, got 0"),
    ("c.toml", GOOD.replace("n_features = 2", 'n_features = "2"'), r"n_features: expected an integer >= 1, got '2'"),
    ("c.toml", GOOD + "hidden_dim_list = 5\n", r"hidden_dim_list: expected a list of layer widths, got 5 \(int\)"),
    ("c.toml", GOOD + "update_kwargs = { steps = 5 }\n", r"update_kwargs: unknown settings \['steps'\]"),
    (
        "c.toml",
        'class = "CmabBernoulliCC"\n[cold_start]\naction_ids = ["a"]\nn_features = 2\n',
        r"action_ids_cost: CmabBernoulliCC needs a cost per action",
    ),
    (
        "c.toml",
        'class = "SmabBernoulli"\n[cold_start]\naction_ids = ["a"]\nn_objectives = 2\n',
        r"n_objectives: SmabBernoulli has one objective, expected None, got 2",
    ),
    (
        "c.toml",
        GOOD + 'strategy = { name = "CostControlBandit" }\n',
        r"strategy: expected a ClassicBandit for CmabBernoulli, got CostControlBandit",
    ),
    (
        "c.toml",
        GOOD + 'strategy = { name = "Classic" }\n',
        r"strategy: expected 'name' to be one of BestActionIdentificationBandit, .* \(ClassicBandit for "
        r"CmabBernoulli\), got 'Classic'",
    ),
    ("c.toml", GOOD + "strategy = { exploit_p = 0.3 }\n", r"strategy: expected a 'name' key naming the strategy"),
    (
        "c.toml",
        GOOD + 'strategy = "ClassicBandit"\n',
        r"strategy: expected a table with the strategy's name and fields .*got 'ClassicBandit' \(str\)",
    ),
    (
        "c.toml",
        'class = "SmabBernoulliCC"\n[cold_start]\naction_ids_cost = { a = 1 }\n'
        'strategy = { name = "CostControlBandit", subsidy_factor = 2 }\n',
        r"strategy: subsidy_factor: expected less than or equal to 1, got 2",
    ),
    (
        "c.toml",
        GOOD + 'strategy = { name = "ClassicBandit", exploit_p = 0.5 }\n',
        r"strategy: exploit_p: expected no such setting",
    ),
    ("c.toml", 'class = "CmabBernoulli"\n[cold_start\n', r"expected a TOML document, got invalid TOML \(.*line 2"),
    ("c.toml", 'class = "A"\nclass = "B"\n', r"expected a TOML document, got invalid TOML"),
    ("c.toml", b'class = "\xff"\n', r"expected UTF-8 text, got undecodable bytes"),
    ("c.json", '{"class": "SmabBernoulli", "cold_start": ', r"expected a JSON document, got invalid JSON"),
    ("c.json", '["SmabBernoulli"]', r"expected a JSON object with the keys 'class' and 'cold_start', got a list"),
    (
        "c.json",
        '{"class": "SmabBernoulli", "class": "CmabBernoulli", "cold_start": {}}',
        r"got invalid JSON \(expected every key once in a JSON object, got \['class'\] more than once\)",
    ),
    (
        "c.json",
        '{"class": "SmabBernoulli", "cold_start": {"action_ids": []}}',
        r"action_ids: expected at least one action id, got none",
    ),
    ("c.yaml", "class: x", r"--config: .*c.yaml: expected a .toml or .json config file, got the extension '.yaml'"),
    ("config", GOOD, r"--config: .*config: expected a .toml or .json config file, got a file without an extension"),
    ("c.toml", None, r"--config: expected a config file, got no such file .*c.toml"),
]


@pytest.mark.parametrize(("name", "content", "message"), ERRORS, ids=[f"{i}-{row[0]}" for i, row in enumerate(ERRORS)])
def test_a_bad_config_exits_2_names_the_file_and_touches_nothing(tmp_path, capsys, name, content, message):
    config = tmp_path / name
    if isinstance(content, bytes):
        config.write_bytes(content)
    elif content is not None:
        config.write_text(content)
    out = tmp_path / "out.json"
    pybandits.save(smab.SmabBernoulli.cold_start(action_ids=["old"]), out)
    before = snapshot(tmp_path)
    assert main(["init", "--config", str(config), "--out", str(out), "--force"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("pybandits: error: --config: ") and str(config) in err, err
    assert re.search(message, err), err
    assert snapshot(tmp_path) == before
    assert not [name for name in os.listdir(tmp_path) if name.endswith(".tmp")]


def test_a_saved_state_is_not_a_config(tmp_path, capsys):
    state = tmp_path / "state.json"
    pybandits.save(smab.SmabBernoulli.cold_start(action_ids=["a"]), state)
    assert main(["init", "--config", str(state), "--out", str(tmp_path / "out.json")]) == 2
    err = capsys.readouterr().err
    assert f"--config: {state}: config: expected a config with the keys 'class' and 'cold_start'" in err
    assert "got a saved bandit's state" in err
    assert not (tmp_path / "out.json").exists()


def test_a_directory_and_the_config_as_output_are_refused(tmp_path, capsys):
    (tmp_path / "folder.toml").mkdir()
    assert main(["init", "--config", str(tmp_path / "folder.toml"), "--out", str(tmp_path / "o.json")]) == 2
    assert f"--config: expected a readable config file, got {tmp_path / 'folder.toml'}" in capsys.readouterr().err
    config = tmp_path / "c.toml"
    config.write_text(GOOD)
    assert main(["init", "--config", str(config), "--out", str(config)]) == 2
    assert f"--out: expected a file other than --config {config}" in capsys.readouterr().err
    assert config.read_text() == GOOD
    with pytest.raises(SystemExit) as exit_info:
        main(["init", "--config", str(config)])  # argparse: --out missing
    assert exit_info.value.code == 2


# -- the Python function ---------------------------------------------------------------------------

BAD_ARGUMENTS = [
    ("CmabBernoulli", {"action_ids": ["a"], "n_features": 0}),
    ("CmabBernoulli", {"action_ids": ["a"], "n_features": 2, "activation": "swish"}),
    ("CmabBernoulli", {"action_ids": "a", "n_features": 2}),
    ("CmabGaussian", {"action_ids": ["a"], "n_features": 2, "reward_loc": 1.0}),
    ("SmabBernoulli", {"action_ids": ["a"], "prior": {"mu": 1.0}}),
    ("SmabGaussian", {"action_ids": ["a"], "prior": {"mu": "x"}}),
    ("SmabBernoulliCC", {"action_ids_cost": {"a": -1.0}}),
    ("SmabBernoulli", {"action_ids": ["a"], "default_action": "a"}),
]


@pytest.mark.parametrize(("class_name", "arguments"), BAD_ARGUMENTS)
def test_bandit_from_config_raises_what_cold_start_raises(tmp_path, class_name, arguments):
    with pytest.raises((TypeError, ValueError)) as direct:
        bandit_class(class_name).cold_start(**arguments)
    with pytest.raises(direct.type) as from_mapping:
        bandit_from_config({"class": class_name, "cold_start": arguments})
    assert str(from_mapping.value) == str(direct.value)
    config = write_config(tmp_path / "c.toml", class_name, arguments)
    with pytest.raises(direct.type) as from_file:
        bandit_from_config(config)
    assert str(from_file.value) == f"{config}: {direct.value}"


def test_bandit_from_config_takes_paths_mappings_and_strategy_objects(tmp_path):
    config = write_config(tmp_path / "c.toml", "SmabBernoulli", {"action_ids": ["a"], "random_seed": 0})
    assert bandit_from_config(str(config)) == bandit_from_config(config)
    mab = bandit_from_config(
        {
            "class": "CmabBernoulliBAI",
            "cold_start": {
                "action_ids": ["a"],
                "n_features": 1,
                "strategy": strategies.BestActionIdentificationBandit(exploit_p=0.9),
            },
        }
    )
    assert mab.strategy.exploit_p == 0.9
    with pytest.raises(TypeError, match=r"config: expected a path to a .toml or .json config file or a mapping, got 3"):
        bandit_from_config(3)
    with pytest.raises(TypeError, match=r"config: expected a path .* or a mapping, got \[\('class', 'Smab"):
        bandit_from_config([("class", "SmabBernoulli")])
    with pytest.raises(FileNotFoundError):
        bandit_from_config(tmp_path / "missing.toml")


def test_is_config_tells_configs_from_states():
    assert is_config({"class": "SmabBernoulli", "cold_start": {}})
    assert is_config({"cold_start": {}}) and is_config({"class": "SmabBernoulli"})
    state = json.loads(smab.SmabBernoulli.cold_start(action_ids=["a"]).get_state()[1])
    assert not is_config(state)
    assert not is_config({"actions": {}, "strategy": {}, "version": "4.0.0"})  # the original library's state
    assert not is_config([1]) and not is_config({})


# -- edit with a config template -------------------------------------------------------------------


@pytest.fixture
def trained(tmp_path):
    """A tiny contextual bandit created with ``init`` and updated with a few rows."""
    arguments = {"action_ids": ["a", "b"], "n_features": 2, "update_kwargs": {"num_steps": 50}, "random_seed": 0}
    write_config(tmp_path / "v1.toml", "CmabBernoulli", arguments)
    assert main(["init", "--config", str(tmp_path / "v1.toml"), "--out", str(tmp_path / "state.json"), "--quiet"]) == 0
    rng = np.random.default_rng(0)
    rows = [f"{'ab'[i % 2]},{int(rng.random() < 0.5)},{rng.normal():.4f},{rng.normal():.4f}" for i in range(12)]
    (tmp_path / "day.csv").write_text("action,reward,f0,f1\n" + "\n".join(rows) + "\n")
    code = main(
        [
            "update",
            "--state",
            str(tmp_path / "state.json"),
            "--data",
            str(tmp_path / "day.csv"),
            "--out",
            str(tmp_path / "trained.json"),
            "--quiet",
        ]
    )
    assert code == 0
    return tmp_path


def test_edit_with_a_toml_template_adds_a_feature_and_an_action(trained, capsys):
    v2 = {"action_ids": ["a", "b", "c"], "n_features": 3, "update_kwargs": {"num_steps": 50}, "random_seed": 1}
    write_config(trained / "v2.toml", "CmabBernoulli", v2)
    write_config(trained / "v2.json", "CmabBernoulli", v2)
    pybandits.save(cmab.CmabBernoulli.cold_start(**v2), trained / "v2_state.json")
    results = {}
    for template in ("v2.toml", "v2.json", "v2_state.json"):
        out = trained / f"from_{template}.json"
        argv = ["edit", "--state", str(trained / "trained.json"), "--template", str(trained / template)]
        assert main([*argv, "--out", str(out)]) == 0
        assert "features                      2 -> 3" in capsys.readouterr().out
        results[template] = pybandits.load(out)
    evolved = results["v2.toml"]
    assert evolved == results["v2.json"] == results["v2_state.json"]  # a config template is its cold start
    old = pybandits.load(trained / "trained.json")
    assert evolved.input_dim == 3 and list(evolved.actions) == ["a", "b", "c"]
    for action_id in ("a", "b"):
        assert evolved.actions[action_id].n_successes == old.actions[action_id].n_successes
        assert evolved.actions[action_id].n_failures == old.actions[action_id].n_failures
    assert (evolved.actions["c"].n_successes, evolved.actions["c"].n_failures) == (1, 1)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("t.toml", 'class = "CmabBernoulli"\n[cold_start]\naction_ids = ["a"]\nn_feature = 3\n', "takes no argument"),
        ("t.toml", 'class = "CmabBernoulli"\n[cold_start]\naction_ids = ["a"]\nn_features = 1\n', "cannot shrink"),
        ("t.json", '{"class": "CmabBernoulli"}', "cold_start: expected a table of CmabBernoulli.cold_start"),
        ("t.json", '{"cold_start": {}}', "class: expected the name of a bandit class"),
        ("t.json", "not json", "expected a saved bandit or a config file"),
        ("t.toml", None, "--template: expected a config file, got no such file"),
    ],
)
def test_a_bad_template_exits_2_and_writes_nothing(trained, capsys, name, content, message):
    template = trained / name
    if content is not None:
        template.write_text(content)
    before = snapshot(trained)
    argv = ["edit", "--state", str(trained / "trained.json"), "--template", str(template)]
    assert main([*argv, "--out", str(trained / "trained.json")]) == 2
    err = capsys.readouterr().err
    assert "--template" in err and message in err, err
    if content is not None and "shrink" not in message:
        assert str(template) in err
    assert snapshot(trained) == before
