"""Every public class and function documents itself with a runnable example (run as a doctest)."""

import importlib
import inspect

import pytest

PUBLIC_MODULES = [
    "pybandits",
    "pybandits.bandits.inspection",
    "pybandits.bandits.posterior_draws",
    "pybandits.bandits.explanation",
    "pybandits.bandits.plots",
    "pybandits.bandits.describe",
    "pybandits.model.bnn.effects",
    "pybandits.model.display",
    "pybandits.boundary.inference_data",
    "pybandits.smab",
    "pybandits.cmab",
    "pybandits.bandits.contextual",
    "pybandits.bandits.strategies",
    "pybandits.transfer",
    "pybandits.state",
    "pybandits.config",
    "pybandits.parallel",
    "pybandits.simulation",
    "pybandits.simulation.plots",
    "pybandits.simulation.quantities",
    "pybandits.model",
    "pybandits.model.bnn",
    "pybandits.model.priors",
    "pybandits.model.family",
    "pybandits.model.nig",
    "pybandits.model.beta",
    "pybandits.model.protocol",
    "pybandits.model.bnn.network",
    "pybandits.engines.plan",
    "pybandits.engines.cache",
    "pybandits.exceptions",
    "pybandits.offline",
    "pybandits.offline.estimators",
    "pybandits.offline.evaluate",
    "pybandits.offline.plots",
    "pybandits.compat.model",
    "pybandits.compat.params",
    "pybandits.compat.simulators",
]


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_public_names_have_examples(module_name):
    module = importlib.import_module(module_name)
    assert module.__doc__, f"{module_name} has no module docstring"
    missing = [
        name
        for name in module.__all__
        if (inspect.isclass(getattr(module, name)) or inspect.isfunction(getattr(module, name)))
        and ">>>" not in (inspect.getdoc(getattr(module, name)) or "")
    ]
    assert missing == [], f"{module_name}: no runnable example in the docstring of {missing}"


def test_the_readme_code_blocks_run_in_order(tmp_path, monkeypatch):
    import re
    from pathlib import Path

    monkeypatch.chdir(tmp_path)  # a block saves a file
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    assert len(blocks) >= 5
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, "README.md", "exec"), namespace)  # as a newcomer copies them, in order


def test_the_categorical_page_code_runs():
    import re
    from pathlib import Path

    page = (Path(__file__).resolve().parents[1] / "docs" / "categorical.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", page, re.S)
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, "categorical.md", "exec"), namespace)
    mab = namespace["mab"]
    assert mab.categorical_features == {0: 50, 1: 3} and mab.vocabularies == {1: ["ios", "android", "web"]}
    assert [e.dim for e in mab.actions["coins"].network.embeddings] == [8, 1]


def test_the_offline_page_code_runs(capsys):
    import re
    from pathlib import Path

    page = (Path(__file__).resolve().parents[1] / "docs" / "offline.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", page, re.S)
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, "offline.md", "exec"), namespace)
    assert namespace["probabilities"].shape == (5, 2)
    report = namespace["report"]
    assert report["estimator"].tolist()[-1] == "logged" and "dr" in capsys.readouterr().out


def test_the_backbone_page_code_runs():
    import re
    from pathlib import Path

    page = (Path(__file__).resolve().parents[1] / "docs" / "backbone.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", page, re.S)
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, "backbone.md", "exec"), namespace)
    mab = namespace["mab"]
    assert mab.backbone_hidden_dim_list == [32] and len(mab.backbone.buffer) == 300
    assert len(namespace["actions"]) == 5


def test_the_quantities_page_code_runs():
    import re
    from pathlib import Path

    page = (Path(__file__).resolve().parents[1] / "docs" / "quantities.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", page, re.S)
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, "quantities.md", "exec"), namespace)
    assert all(choice.quantity is None or choice.quantity[0] < 0.6 for choice in namespace["choices"])
    assert namespace["pricing"].action_prices == {"bundle_large": "function", "bundle_small": 4.99}


def test_the_inspection_page_code_runs():
    import re
    from pathlib import Path

    import matplotlib

    matplotlib.use("Agg")
    page = (Path(__file__).resolve().parents[1] / "docs" / "inspection.md").read_text(encoding="utf-8")
    namespace: dict = {}
    for block in re.findall(r"```python\n(.*?)```", page, re.S):
        exec(compile(block, "inspection.md", "exec"), namespace)
    posterior = namespace["data"]["posterior"]["expected_reward"]
    assert float(posterior.sel(action="email").mean()) > float(posterior.sel(action="push").mean())
    effects = namespace["table"].set_index(["action", "feature"])["mean"]
    assert effects["a", "x0"] == pytest.approx(1.5, abs=0.15) and effects["b", "x2"] == pytest.approx(1.0, abs=0.15)
    why = namespace["why"]
    assert why.loc["pass", "forbidden"] == "forbidden_actions" and why["probability"].sum() == pytest.approx(1.0)


def test_the_availability_page_code_runs(capsys):
    import re
    from pathlib import Path

    page = (Path(__file__).resolve().parents[1] / "docs" / "availability.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", page, re.S)
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, "availability.md", "exec"), namespace)
    assert namespace["ids"] == ["control", "new_offer", "offer_a", "offer_b"]
    # the page's figures: control 0.2 * 0.275 + 0.8 * 0.35, new_offer 0.2 * (0.225 + 0.1 / 6)
    assert abs(namespace["propensities"][0, 0] - 0.335) < 0.02 and abs(namespace["propensities"][0, 1] - 0.0483) < 0.01
    assert namespace["mab"].limited_action_fraction == 0.5
    assert "limited_action_fraction       0.2 -> 0.5" in capsys.readouterr().out


def test_the_cluster_page_code_runs():
    import re
    from pathlib import Path

    pytest.importorskip("distributed")
    page = (Path(__file__).resolve().parents[1] / "docs" / "cluster.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", page, re.S)
    assert blocks
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, "cluster.md", "exec"), namespace)
    assert namespace["report"].n_rows == 600 and namespace["report"].path == "no shuffle"  # two actions: one group
    assert len(namespace["choices"].compute()) == 600
    assert list(namespace["estimates"]["estimator"]) == ["ipw", "dr", "logged"]
