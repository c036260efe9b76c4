"""How bandits and models show themselves: repr on one screen, HTML tables in notebooks, the CLI's info."""

from __future__ import annotations

from pybandits.cmab import CmabBernoulli
from pybandits.smab import SmabBernoulli


def test_a_bandits_repr_fits_one_screen_and_info_prints_the_same_description(tmp_path, capsys):
    import pybandits
    from pybandits.cli import main

    mab = CmabBernoulli.cold_start(action_ids=[f"a{i:02d}" for i in range(30)], n_features=2, random_seed=0)
    text = repr(mab)
    lines = text.splitlines()
    assert lines[0] == "class      CmabBernoulli" and lines[-1] == "  ... and 18 more actions"
    assert len(lines) <= 24 and max(len(line) for line in lines) < 400
    html = mab._repr_html_()
    assert html.count("<tr>") > 30 and "a29" in html  # the notebook table lists every action
    path = tmp_path / "state.json"
    pybandits.save(mab, path)
    assert main(["info", "--state", str(path)]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert len(printed) == len(lines) - 1 + 18  # info: every action, whole lines
    for shown, whole in zip(lines[:-1], printed, strict=False):
        assert shown == whole or (shown.endswith("...") and whole.startswith(shown[:-3]) and len(shown) == 160)


def test_every_models_repr_is_short_and_its_html_a_table():
    from pybandits.model import Beta, Bnn

    network = Bnn.cold_start(n_features=40, hidden_dim_list=[32, 32])
    assert len(repr(network)) <= 410 and repr(network).startswith("Bnn(learned bernoulli")
    assert repr(Beta(n_successes=3, cost=2.0)) == "Beta(n_successes=3, n_failures=1, cost=2.0)"
    assert "<table>" in network._repr_html_() and "hidden [32, 32]" in network._repr_html_()
    zooming = SmabBernoulli.cold_start(action_ids=["a"], quantitative_action_ids=["q"]).actions["q"]
    assert repr(zooming).startswith("Zooming(1 segments") and "<table>" in zooming._repr_html_()
