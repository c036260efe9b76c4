"""The bandits: what every bandit shares, the stochastic and the contextual bases, the strategies.

- :mod:`pybandits.bandits.base`: :class:`~pybandits.bandits.base.BaseMab` (actions, strategy,
  epsilon and the default action, prices, selection, updates installed in one step, state);
- :mod:`pybandits.bandits.stochastic`: :class:`~pybandits.bandits.stochastic.BaseSmab`;
- :mod:`pybandits.bandits.contextual`: :class:`~pybandits.bandits.contextual.BaseCmab`, with its
  cold start (:mod:`~pybandits.bandits.contextual_cold_start`) and transfer hooks
  (:mod:`~pybandits.bandits.contextual_edit`); its models are a kind's (:mod:`pybandits.kinds`);
- :mod:`pybandits.bandits.strategies`: how an action is chosen from sampled rewards.
- :mod:`pybandits.bandits.selection` and :mod:`pybandits.bandits.availability`: the strategy per
  row, exploration, the limited actions' gate and the default action's share.

Users import the concrete classes from :mod:`pybandits.smab` and :mod:`pybandits.cmab`.
"""
