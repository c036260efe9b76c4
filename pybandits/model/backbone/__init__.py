"""A shared trunk with a Bayesian head per action (``backbone_hidden_dim_list`` at cold start).

:mod:`~pybandits.model.backbone.trunk` (the point-estimate trunk and its features, numpy),
:mod:`~pybandits.model.backbone.heads` (exact or Laplace linear heads and their exact per-row
Thompson draws), :mod:`~pybandits.model.backbone.buffer` (the bounded replay buffer),
:mod:`~pybandits.model.backbone.backbone` (what the bandit keeps). The trunk's training and the
update's fitting steps are engines (:mod:`pybandits.engines.trunk`, :mod:`pybandits.engines.backbone`).
"""

from pybandits.model.backbone.backbone import Backbone, BackboneSettings
from pybandits.model.backbone.buffer import ReplayBuffer
from pybandits.model.backbone.heads import LinearHead, draw_heads
from pybandits.model.backbone.trunk import Trunk

__all__ = ["Backbone", "BackboneSettings", "LinearHead", "ReplayBuffer", "Trunk", "draw_heads"]
