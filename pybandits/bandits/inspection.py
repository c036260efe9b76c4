"""What every bandit offers to look inside it: posterior draws for ArviZ, effects, explanations, displays.

The methods are :class:`Inspectable`'s, a base of every bandit; the work is done in
:mod:`pybandits.bandits.posterior_draws` (``to_inference_data``) and
:mod:`pybandits.bandits.explanation` (``effects``, ``explain``). Every reader draws from its own
generator (``random_seed``): the bandit, its random stream included, is left as it was.
"""

from __future__ import annotations

from typing import Any

from pybandits.bandits.describe import REPR_ACTIONS, REPR_WIDTH, summary_html, summary_lines
from pybandits.bandits.explanation import effects, explain
from pybandits.bandits.posterior_draws import inference_data

__all__ = ["Inspectable"]


class Inspectable:
    """What every bandit offers to look inside it (a base of :class:`~pybandits.bandits.base.BaseMab`).

    Examples
    --------
    >>> from pybandits.smab import SmabBernoulli
    >>> isinstance(SmabBernoulli.cold_start(action_ids=["a"]), Inspectable)
    True
    """

    def to_inference_data(self, n_draws: int = 1000, random_seed: int | None = None) -> Any:
        """Draws of every action's posterior as an ArviZ object, with named dimensions and coordinates.

        ``az.summary``, ``az.plot_forest`` and ``az.plot_posterior`` work on it as on a PyMC trace
        (ArviZ 0.x's ``InferenceData`` with PyMC 5, 1.x's ``DataTree`` with PyMC 6). The draws use
        their own generator, seeded by ``random_seed``: the bandit and its random stream are left as
        they were. See :mod:`pybandits.bandits.posterior_draws` for the variables.

        Parameters
        ----------
        n_draws : int, default 1000
            Independent draws of every posterior (one chain).
        random_seed : int, optional
            Seeds the draws.

        Examples
        --------
        >>> from pybandits.smab import SmabBernoulli
        >>> mab = SmabBernoulli.cold_start(action_ids=["a", "b"])
        >>> mab.update(actions=["a"] * 8, rewards=[1] * 6 + [0] * 2)
        >>> data = mab.to_inference_data(n_draws=2000, random_seed=0)
        >>> round(float(data["posterior"]["expected_reward"].sel(action="a").mean()), 1)
        0.7
        """
        return inference_data(self, n_draws, random_seed)

    def effects(
        self,
        context: Any,
        n_draws: int = 200,
        random_seed: int | None = None,
        *,
        ci_prob: float = 0.94,
        features: list[str] | None = None,
        quantities: dict[str, Any] | None = None,
    ) -> Any:
        """Per action and feature, the average marginal effect on the expected reward over ``context``'s rows.

        A numeric feature's effect is the row average of the expected reward's derivative; a
        categorical column gives one row per level, its effect against the most frequent level
        among the rows (``reference``). Each comes with its posterior mean, sd and equal-tailed
        ``ci_prob`` interval over ``n_draws`` draws of the action's posterior (the same draws for
        every feature of an action). See :mod:`pybandits.bandits.explanation`.

        Parameters
        ----------
        context : array-like or DataFrame of shape (n_rows, n_features)
            The rows to average over, as for ``predict``; every categorical value must be one
            the bandit has seen.
        n_draws : int, default 200
            Posterior draws of every action.
        random_seed : int, optional
            Seeds the draws (their own generator: the bandit's stream does not move).
        ci_prob : float, default 0.94
            Probability of the credible interval (ArviZ's default level).
        features : list of str, optional
            The features to describe (all by default).
        quantities : dict, optional
            Per quantitative action, the quantity (``d`` numbers in [0, 1]) its effects are
            computed at; the centre of ``[0, 1]^d`` by default.

        Returns
        -------
        pandas.DataFrame
            One row per action (and objective) and feature (and level): ``action``, ``feature``,
            ``level``, ``reference``, ``mean``, ``sd``, ``lower``, ``upper``; ``attrs`` holds
            ``ci_prob``, ``n_draws``, ``n_rows`` and ``random_seed``.

        Examples
        --------
        >>> import numpy as np
        >>> from pybandits.cmab import CmabGaussian
        >>> mab = CmabGaussian.cold_start(action_ids=["a"], n_features=2, hidden_dim_list=[], random_seed=0)
        >>> table = mab.effects(np.zeros((5, 2)), n_draws=50, random_seed=0)
        >>> table[["action", "feature"]].values.tolist(), list(table.columns[-4:])
        ([['a', 'x0'], ['a', 'x1']], ['mean', 'sd', 'lower', 'upper'])
        """
        return effects(self, context, n_draws, random_seed, ci_prob, features, quantities)

    def explain(
        self,
        row: Any = None,
        n_draws: int = 1000,
        random_seed: int | None = None,
        *,
        ci_prob: float = 0.94,
        forbidden_actions: Any = None,
    ) -> Any:
        """One context row's decision, per action: the expected reward's posterior, and how likely it is played.

        From ``n_draws`` Thompson draws of every allowed action at the row, made as
        ``action_probabilities`` makes them (``probability`` equals ``action_probabilities`` of that
        row on a copy of the bandit reseeded with ``random_seed``): the draws' mean and equal-tailed ``ci_prob``
        interval of the expected reward, and the probability of playing each action (the
        propensity: the strategy, epsilon and limited actions included). ``forbidden`` says what
        forbids an action (``forbidden_actions``), or limits its quantities.

        Parameters
        ----------
        row : array-like, Series or one-row DataFrame, optional
            The context row (None for a stochastic bandit).
        n_draws : int, default 1000
        random_seed : int, optional
            Seeds the draws (their own generator: the bandit's stream does not move).
        ci_prob : float, default 0.94
        forbidden_actions : optional
            As for ``predict``.

        Returns
        -------
        pandas.DataFrame
            Indexed by action: ``mean``, ``lower``, ``upper`` (``mean_0``, ... per objective for
            multi-objective bandits; NaN for a forbidden action), ``probability``, ``forbidden``.

        Examples
        --------
        >>> from pybandits.smab import SmabBernoulli
        >>> mab = SmabBernoulli.cold_start(action_ids=["a", "b"])
        >>> mab.update(actions=["a"] * 30, rewards=[1] * 27 + [0] * 3)
        >>> table = mab.explain(random_seed=0, forbidden_actions=["b"])
        >>> table["mean"].round(1).tolist(), table["probability"].tolist(), table["forbidden"].tolist()
        ([0.9, nan], [1.0, 0.0], ['', 'forbidden_actions'])
        """
        return explain(self, row, n_draws, random_seed, ci_prob, forbidden_actions)

    def __repr__(self) -> str:
        """The bandit's description (:func:`~pybandits.bandits.describe.summary_lines`): 12 actions, 160 columns."""
        return "\n".join(summary_lines(self._view(), max_actions=REPR_ACTIONS, width=REPR_WIDTH))

    def _repr_html_(self) -> str:
        """The bandit's description as HTML tables, for notebooks."""
        return summary_html(self._view())
