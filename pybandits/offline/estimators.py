"""Off-policy estimators: the value of a policy, estimated from rows logged by another policy.

Every estimator is a plain function of numpy arrays with the same signature::

    f(rewards, actions, propensities, policy_probabilities, estimated_rewards=None, **hyperparameters) -> float

- ``rewards`` (n,): the logged rewards r_i (finite real numbers).
- ``actions`` (n,): the logged actions a_i, as integer column indices into ``policy_probabilities``.
- ``propensities`` (n,): p_i, the logging policy's probability of the logged action a_i, in (0, 1].
- ``policy_probabilities`` (n, n_actions): pi(a | x_i), the evaluated policy's probability of each action
  in each logged row; every row sums to 1 (a deterministic policy has one 1 per row).
- ``estimated_rewards`` (n, n_actions): q(x_i, a), a reward model's prediction for each action in each row.
  Required by the model-based estimators (``dm``, ``dr``, ``sndr``, ``switch_dr``, ``dros``, ``sg_dr``),
  which raise a ``TypeError`` without it. The other estimators (``replay``, ``ipw``, ``snipw``,
  ``sg_ipw``) do not use it: they accept it, so that one call can feed every estimator, check its shape
  when given, and ignore it.

Notation of the docstrings: w_i = pi(a_i | x_i) / p_i is the importance weight of row i,
dm_i = sum_a pi(a | x_i) q(x_i, a) the reward model's value of the policy in row i, and
q_i = q(x_i, a_i) the model's prediction for the logged action.

Hyperparameters are keyword-only and named as in the Open Bandit Pipeline (Saito et al. 2021,
"Open Bandit Dataset and Pipeline: Towards Realistic and Reproducible Off-Policy Evaluation"): ``lambda_``.
They have no default, since each value is a different estimator (``dros`` with ``lambda_=0`` is ``dm``,
``switch_dr`` with ``lambda_=inf`` is ``dr``): the caller chooses.

Bootstrap
---------
Every estimator here is a sum of ratios of row sums,
``V = sum_k (sum_i numerators[k, i]) / (sum_i denominators[k, i])``, usually with one ratio
(``denominators`` all 1 for a plain mean; the self-normalised estimators divide by the sum of their
weights; ``sndr`` is the sum of two ratios). :func:`estimator_terms` returns these per-row arrays as an
:class:`EstimatorTerms`, whose :meth:`EstimatorTerms.value` takes a matrix of resampling counts
(n_bootstrap, n) and returns every bootstrap replicate with two matrix products, no Python loop over
replicates. The estimator functions are exactly ``estimator_terms(...).value()``.

Examples
--------
>>> from pybandits.offline import ipw, snipw
>>> rewards, actions, propensities = [1.0, 0.0, 1.0], [0, 1, 1], [0.5, 0.5, 0.5]
>>> policy = [[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]]
>>> ipw(rewards, actions, propensities, policy)  # (2*1 + 2*0 + 2*1) / 3
1.3333333333333333
>>> snipw(rewards, actions, propensities, policy)  # (2 + 0 + 2) / (2 + 2 + 2)
0.6666666666666666
"""

from __future__ import annotations

from pybandits.offline.terms import ESTIMATORS, EstimatorTerms, estimate, estimator_terms

__all__ = [
    "ESTIMATORS",
    "EstimatorTerms",
    "dm",
    "dr",
    "dros",
    "estimator_terms",
    "ipw",
    "replay",
    "sg_dr",
    "sg_ipw",
    "sndr",
    "snipw",
    "switch_dr",
]


# --------------------------------------------------------------------------------------------------------------------
# The estimators


def replay(rewards, actions, propensities, policy_probabilities, estimated_rewards=None) -> float:
    """Replay method: the mean reward of the rows where the evaluated policy would have chosen the logged action.

    V = sum_i pi(a_i | x_i) r_i / sum_i pi(a_i | x_i)

    For a deterministic policy (one 1 per row of ``policy_probabilities``), pi(a_i | x_i) is 1 where the
    policy's action equals the logged one and 0 elsewhere: the mean reward over the matching rows, as in
    the source. For a stochastic policy each row counts with the probability that the policy would have
    chosen the logged action (the expected outcome of drawing the policy's action and keeping the row on a
    match), not by the argmax. The propensities are checked but not used: the estimate is consistent for
    the policy's value (unbiased in the sense of the source) only when the logging policy was uniform over
    the actions; under any other logging policy it is biased. ``estimated_rewards`` is not used.

    Returns ``nan`` with a :class:`~pybandits.exceptions.DataWarning` when no row matches (the policy gives
    probability 0 to every logged action).

    Source: Li, Chu, Langford, Wang (2011), "Unbiased offline evaluation of contextual-bandit-based news
    article recommendation algorithms".

    Examples
    --------
    >>> rewards, actions, propensities = [1.0, 0.0, 1.0, 0.0], [0, 1, 1, 0], [0.5] * 4
    >>> policy = [[1.0, 0.0], [0.0, 1.0], [0.0, 1.0], [0.0, 1.0]]  # matches rows 0, 1, 2
    >>> replay(rewards, actions, propensities, policy)  # (1 + 0 + 1) / 3
    0.6666666666666666
    """
    return estimate("replay", rewards, actions, propensities, policy_probabilities, estimated_rewards)


def ipw(rewards, actions, propensities, policy_probabilities, estimated_rewards=None) -> float:
    """Inverse propensity weighting (Horvitz-Thompson): the mean of the importance-weighted rewards.

    V = (1/n) sum_i w_i r_i, with w_i = pi(a_i | x_i) / p_i

    Unbiased when the propensities are the logging policy's true probabilities and the logging policy
    gives a positive probability to every action the evaluated policy can take. ``estimated_rewards`` is
    not used.

    Source: Horvitz, Thompson (1952), "A generalization of sampling without replacement from a finite
    universe"; for bandits, Dudik, Langford, Li (2011), "Doubly robust policy evaluation and learning".

    Examples
    --------
    >>> rewards, actions, propensities = [1.0, 0.0, 1.0], [0, 1, 1], [0.5, 0.5, 0.25]
    >>> policy = [[1.0, 0.0], [0.5, 0.5], [0.5, 0.5]]  # weights 2, 1, 2
    >>> ipw(rewards, actions, propensities, policy)  # (2*1 + 1*0 + 2*1) / 3
    1.3333333333333333
    """
    return estimate("ipw", rewards, actions, propensities, policy_probabilities, estimated_rewards)


def snipw(rewards, actions, propensities, policy_probabilities, estimated_rewards=None) -> float:
    """Self-normalised inverse propensity weighting: the weighted mean of the rewards.

    V = sum_i w_i r_i / sum_i w_i, with w_i = pi(a_i | x_i) / p_i

    Biased but consistent; stays within the range of the rewards. Returns ``nan`` with a
    :class:`~pybandits.exceptions.DataWarning` when every weight is 0. ``estimated_rewards`` is not used.

    Source: Swaminathan, Joachims (2015), "The self-normalized estimator for counterfactual learning".

    Examples
    --------
    >>> rewards, actions, propensities = [1.0, 0.0, 1.0], [0, 1, 1], [0.5, 0.5, 0.25]
    >>> policy = [[1.0, 0.0], [0.5, 0.5], [0.5, 0.5]]  # weights 2, 1, 2
    >>> snipw(rewards, actions, propensities, policy)  # (2*1 + 1*0 + 2*1) / (2 + 1 + 2)
    0.8
    """
    return estimate("snipw", rewards, actions, propensities, policy_probabilities, estimated_rewards)


def dm(rewards, actions, propensities, policy_probabilities, estimated_rewards=None) -> float:
    """Direct method: the reward model's value of the policy, averaged over the logged contexts.

    V = (1/n) sum_i dm_i, with dm_i = sum_a pi(a | x_i) q(x_i, a)

    Uses neither the rewards nor the propensities (both are still checked); as good as the reward model.
    ``estimated_rewards`` is required.

    Source: Dudik, Langford, Li (2011), "Doubly robust policy evaluation and learning" (the direct method
    they compare with).

    Examples
    --------
    >>> rewards, actions, propensities = [1.0, 0.0], [0, 1], [0.5, 0.5]
    >>> policy = [[1.0, 0.0], [0.5, 0.5]]
    >>> model = [[0.8, 0.2], [0.4, 0.6]]
    >>> dm(rewards, actions, propensities, policy, model)  # (0.8 + (0.2 + 0.3)) / 2
    0.65
    """
    return estimate("dm", rewards, actions, propensities, policy_probabilities, estimated_rewards)


def dr(rewards, actions, propensities, policy_probabilities, estimated_rewards=None) -> float:
    """Doubly robust: the direct method plus an importance-weighted correction of the model's error.

    V = (1/n) sum_i [dm_i + w_i (r_i - q_i)], with w_i = pi(a_i | x_i) / p_i and q_i = q(x_i, a_i)

    Unbiased when the propensities are right (whatever the model); when the model is right, the
    correction has mean 0. ``estimated_rewards`` is required.

    Source: Dudik, Langford, Li (2011), "Doubly robust policy evaluation and learning".

    Examples
    --------
    >>> rewards, actions, propensities = [1.0, 0.0], [0, 1], [0.5, 0.5]
    >>> policy = [[1.0, 0.0], [0.5, 0.5]]  # weights 2, 1
    >>> model = [[0.8, 0.2], [0.4, 0.6]]  # dm terms 0.8, 0.5
    >>> dr(rewards, actions, propensities, policy, model)  # (0.8 + 2*(1 - 0.8) + 0.5 + 1*(0 - 0.6)) / 2
    0.55
    """
    return estimate("dr", rewards, actions, propensities, policy_probabilities, estimated_rewards)


def sndr(rewards, actions, propensities, policy_probabilities, estimated_rewards=None) -> float:
    """Self-normalised doubly robust: the correction of ``dr`` divided by the mean weight.

    V = (1/n) sum_i dm_i + sum_i w_i (r_i - q_i) / sum_i w_i

    that is the mean of dm_i + w_i (r_i - q_i) / mean(w), the definition of the Open Bandit Pipeline.
    Returns ``nan`` with a :class:`~pybandits.exceptions.DataWarning` when every weight is 0.
    ``estimated_rewards`` is required.

    Source: Dudik, Erhan, Langford, Li (2014), "Doubly robust policy evaluation and optimization"; Kallus,
    Uehara (2019), "Intrinsically efficient, stable, and bounded off-policy evaluation for reinforcement
    learning" (self-normalisation); as in Saito et al. (2021), Open Bandit Pipeline.

    Examples
    --------
    >>> rewards, actions, propensities = [1.0, 0.0], [0, 1], [0.5, 0.5]
    >>> policy = [[1.0, 0.0], [0.5, 0.5]]  # weights 2, 1
    >>> model = [[0.8, 0.2], [0.4, 0.6]]  # dm terms 0.8, 0.5
    >>> round(sndr(rewards, actions, propensities, policy, model), 6)  # 0.65 + (2*0.2 + 1*(-0.6)) / 3
    0.583333
    """
    return estimate("sndr", rewards, actions, propensities, policy_probabilities, estimated_rewards)


def switch_dr(rewards, actions, propensities, policy_probabilities, estimated_rewards=None, *, lambda_) -> float:
    """Switch doubly robust: ``dr`` on the rows whose weight is at most ``lambda_``, ``dm`` on the others.

    V = (1/n) sum_i [dm_i + 1{w_i <= lambda_} w_i (r_i - q_i)]

    ``lambda_`` (keyword, in [0, inf]) is the threshold on the importance weight; a weight equal to it keeps
    its correction. ``lambda_=inf`` gives ``dr``; ``lambda_=0`` gives ``dm`` (a row of weight 0 has no
    correction). ``estimated_rewards`` is required.

    This is the paper's SWITCH-DR: DR where the logged weight is at most the threshold, and the model alone
    for the actions above it; the model terms of the two parts add up to dm_i.

    Source: Wang, Agarwal, Dudik (2017), "Optimal and adaptive off-policy evaluation in contextual
    bandits"; parameterised as the Open Bandit Pipeline's SwitchDoublyRobust (Saito et al. 2021).

    Examples
    --------
    >>> rewards, actions, propensities = [1.0, 0.0], [0, 1], [0.5, 0.5]
    >>> policy = [[1.0, 0.0], [0.5, 0.5]]  # weights 2, 1
    >>> model = [[0.8, 0.2], [0.4, 0.6]]  # dm terms 0.8, 0.5
    >>> round(switch_dr(rewards, actions, propensities, policy, model, lambda_=1.5), 6)  # (0.8 + 0.5 - 0.6) / 2
    0.35
    """
    return estimate(
        "switch_dr", rewards, actions, propensities, policy_probabilities, estimated_rewards, lambda_=lambda_
    )


def dros(rewards, actions, propensities, policy_probabilities, estimated_rewards=None, *, lambda_) -> float:
    """Doubly robust with optimistic shrinkage: ``dr`` with the weights shrunk towards 0.

    V = (1/n) sum_i [dm_i + v_i (r_i - q_i)], with v_i = lambda_ w_i / (w_i^2 + lambda_)

    ``lambda_`` (keyword, in [0, inf]): ``lambda_=0`` gives ``dm``, and as ``lambda_`` grows v_i tends to w_i,
    ``lambda_=inf`` giving ``dr``. ``estimated_rewards`` is required.

    Source: Su, Dimakopoulou, Krishnamurthy, Dudik (2020), "Doubly robust off-policy evaluation with
    shrinkage"; parameterised as the Open Bandit Pipeline's DoublyRobustWithShrinkage (Saito et al. 2021).

    Examples
    --------
    >>> rewards, actions, propensities = [1.0, 0.0], [0, 1], [0.5, 0.5]
    >>> policy = [[1.0, 0.0], [0.5, 0.5]]  # weights 2, 1; with lambda_=4, shrunk to 8/8 = 1 and 4/5 = 0.8
    >>> model = [[0.8, 0.2], [0.4, 0.6]]  # dm terms 0.8, 0.5
    >>> round(dros(rewards, actions, propensities, policy, model, lambda_=4.0), 6)  # (0.8 + 0.2 + 0.5 - 0.48) / 2
    0.51
    """
    return estimate("dros", rewards, actions, propensities, policy_probabilities, estimated_rewards, lambda_=lambda_)


def sg_ipw(rewards, actions, propensities, policy_probabilities, estimated_rewards=None, *, lambda_) -> float:
    """Subgaussian inverse propensity weighting: ``ipw`` with the weights corrected by a harmonic power mean.

    V = (1/n) sum_i v_i r_i, with v_i = w_i / ((1 - lambda_) + lambda_ w_i)

    ``lambda_`` (keyword, in [0, 1]): ``lambda_=0`` gives ``ipw``; ``lambda_=1`` gives every row of positive
    weight the weight 1 (a row of weight 0 keeps 0). ``estimated_rewards`` is not used.

    Source: Metelli, Russo, Restelli (2021), "Subgaussian and differentiable importance sampling for
    off-policy evaluation and learning"; parameterised as the Open Bandit Pipeline's
    SubGaussianInverseProbabilityWeighting (Saito et al. 2021).

    Examples
    --------
    >>> rewards, actions, propensities = [1.0, 0.0, 1.0], [0, 1, 1], [0.5, 0.5, 0.25]
    >>> policy = [[1.0, 0.0], [0.5, 0.5], [0.5, 0.5]]  # weights 2, 1, 2; with lambda_=0.5: 4/3, 1, 4/3
    >>> round(sg_ipw(rewards, actions, propensities, policy, lambda_=0.5), 6)  # (4/3 + 0 + 4/3) / 3
    0.888889
    """
    return estimate("sg_ipw", rewards, actions, propensities, policy_probabilities, estimated_rewards, lambda_=lambda_)


def sg_dr(rewards, actions, propensities, policy_probabilities, estimated_rewards=None, *, lambda_) -> float:
    """Subgaussian doubly robust: ``dr`` with the weights corrected by a harmonic power mean.

    V = (1/n) sum_i [dm_i + v_i (r_i - q_i)], with v_i = w_i / ((1 - lambda_) + lambda_ w_i)

    ``lambda_`` (keyword, in [0, 1]): ``lambda_=0`` gives ``dr``. ``estimated_rewards`` is required.

    Source: Metelli, Russo, Restelli (2021), "Subgaussian and differentiable importance sampling for
    off-policy evaluation and learning"; parameterised as the Open Bandit Pipeline's
    SubGaussianDoublyRobust (Saito et al. 2021).

    Examples
    --------
    >>> rewards, actions, propensities = [1.0, 0.0], [0, 1], [0.5, 0.5]
    >>> policy = [[1.0, 0.0], [0.5, 0.5]]  # weights 2, 1; with lambda_=0.5: 4/3, 1
    >>> model = [[0.8, 0.2], [0.4, 0.6]]  # dm terms 0.8, 0.5
    >>> round(sg_dr(rewards, actions, propensities, policy, model, lambda_=0.5), 6)  # (0.8 + 0.8/3 + 0.5 - 0.6) / 2
    0.483333
    """
    return estimate("sg_dr", rewards, actions, propensities, policy_probabilities, estimated_rewards, lambda_=lambda_)
