"""Plots render headless and hold the data they show."""

import math

import numpy as np
import pytest

from pybandits.cmab import CmabBernoulli
from pybandits.simulation import CmabSimulator, SmabSimulator
from pybandits.simulation.plots import plot_action_shares, plot_beliefs, plot_regret
from pybandits.smab import SmabBernoulli, SmabBernoulliMO


@pytest.fixture(scope="module")
def smab_result():
    mab = SmabBernoulli.cold_start(action_ids={"a", "b"})
    return SmabSimulator(mab, {"a": 0.2, "b": 0.6}, n_updates=8, batch_size=25, random_seed=0).run()


def test_regret_plot_holds_both_curves(smab_result):
    figure = plot_regret(smab_result)
    lines = figure.axes[0].get_lines()
    assert [line.get_label() for line in lines] == ["bandit", "uniform random"]
    assert np.isclose(lines[0].get_ydata()[-1], smab_result.summary.cumulative_regret)
    assert np.isclose(lines[1].get_ydata()[-1], smab_result.summary.random_regret)
    figure.canvas.draw()  # renders without a display


def test_action_share_plot_has_one_band_per_action(smab_result):
    figure = plot_action_shares(smab_result)
    assert len(figure.axes[0].collections) == 2
    figure.canvas.draw()


def test_smab_beliefs_plot_posteriors_and_truth(tmp_path, smab_result):
    figure = plot_beliefs(smab_result)
    axes = figure.axes[0]
    densities = [line for line in axes.get_lines() if len(line.get_xdata()) > 2]
    truths = sorted(line.get_xdata()[0] for line in axes.get_lines() if len(line.get_xdata()) == 2)
    assert len(densities) == 2 and truths == [0.2, 0.6]
    figure.savefig(tmp_path / "beliefs.png")
    assert (tmp_path / "beliefs.png").stat().st_size > 1000


def test_smab_beliefs_are_the_beta_posterior_densities(smab_result):
    """Each curve is the Beta(n_successes, n_failures) density (closed form for integer counts)."""
    for line in plot_beliefs(smab_result).axes[0].get_lines():
        if len(line.get_xdata()) == 2:
            continue  # a vertical line at the truth
        model = smab_result.mab.actions[line.get_label()]
        a, b = model.n_successes, model.n_failures
        x = np.asarray(line.get_xdata())
        density = (a + b - 1) * math.comb(a + b - 2, a - 1) * x ** (a - 1) * (1 - x) ** (b - 1)
        assert np.allclose(line.get_ydata(), density, rtol=1e-9, atol=1e-12)


def test_multi_objective_beliefs_plot():
    mab = SmabBernoulliMO.cold_start(action_ids={"a", "b"}, n_objectives=2)
    result = SmabSimulator(mab, {"a": [0.2, 0.7], "b": [0.6, 0.1]}, n_updates=2, random_seed=0).run()
    assert len([line for line in plot_beliefs(result).axes[0].get_lines() if len(line.get_xdata()) > 2]) == 4


def test_cmab_beliefs_plot_predicted_against_true():
    mab = CmabBernoulli.cold_start(action_ids={"a", "b"}, n_features=2, update_kwargs={"num_steps": 50})
    result = CmabSimulator(mab, n_updates=2, batch_size=50, random_seed=0).run()
    figure = plot_beliefs(result)
    points = figure.axes[0].collections
    assert len(points) == 2 and all(len(p.get_offsets()) == 200 for p in points)
    figure.canvas.draw()


def test_plots_check_their_argument():
    with pytest.raises(TypeError, match="result: expected a SimulationResult"):
        plot_regret({"not": "a result"})


def test_figures_show_as_images_in_notebooks(smab_result):
    png = plot_regret(smab_result)._repr_png_()
    assert png.startswith(b"\x89PNG")


def test_gaussian_results_plot_in_reward_units_and_plotting_leaves_the_bandit_alone():
    from pybandits.cmab import CmabGaussian
    from pybandits.simulation import LinearReward
    from pybandits.smab import SmabGaussian

    world = LinearReward({"a": [1.0, 0.0], "b": [-1.0, 0.0]}, biases={"a": 40.0, "b": 40.0})
    mab = CmabGaussian.cold_start(action_ids={"a", "b"}, n_features=2, update_kwargs={"num_steps": 50})
    result = CmabSimulator(mab, world, n_updates=2, batch_size=50, noise_sd=2.0, random_seed=0).run()
    before = mab.get_state()
    axes = plot_beliefs(result).axes[0]
    assert mab.get_state() == before  # drawn from a copy: the bandit's random stream is untouched
    assert axes.get_xlabel() == "true mean reward" and axes.get_xlim()[0] > 20  # reward units, not [0, 1]
    assert [line.get_label() for line in plot_regret(result).axes[0].get_lines()] == ["bandit", "uniform random"]
    smab = SmabSimulator(SmabGaussian.cold_start(action_ids={"a", "b"}), {"a": 1.0, "b": 2.0}, random_seed=0).run()
    density = plot_beliefs(smab).axes[0]
    assert density.get_xlabel().startswith("mean reward") and len(density.get_lines()) == 4  # 2 curves, 2 truths
