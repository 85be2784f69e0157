"""Trust as a Bayesian belief (Kydd 2000, 2005).

Trust of A in B is A's probability that B is a *security seeker* (would
reciprocate cooperation) rather than *greedy* (would exploit it). It moves only
by Bayes' rule on evidence:

* each step's compliance signal from the verification regime: an alarm or a
  clean report, whose likelihood under each type follows from the regime's
  chance of detecting a breach within the step, d = 1 - (1 - d_year)^dt, and of
  a false alarm, f = 1 - (1 - f_year)^dt, and from the chance q that each type is
  in breach::

      P(alarm | type) = q(type) d + (1 - q(type)) f

  q is the one the model's own policy implies (``trust_model.likelihoods:
  implied``, Kydd 2005): a greedy state's chance of cheating under the regime
  and a security seeker's chance of building at its trust, each over the prior
  of the observed state's private values; a policy that does not depend on type
  makes the report no evidence at all. ``likelihoods: stated`` uses
  ``p_cheat_security`` and ``p_cheat_greedy`` instead. A breach already detected
  and still going on is no new evidence;
* costly signals (a unilateral gesture): a likelihood ratio 1 + w c for a cost
  c, so cheap talk (c = 0) moves nothing and a costlier signal moves trust
  more. A concession in bargaining is no such signal: both types bargain alike,
  so its likelihood ratio is 1;
* events that carry their own likelihood ratio (an accusation, an alleged
  violation).

Posterior odds = prior odds x likelihood ratio. Trust is kept within
[floor, 1 - floor] so that later evidence can still move it.
"""

from __future__ import annotations


def bayes(prior: float, p_if_security: float, p_if_greedy: float) -> float:
    """Posterior probability of 'security seeker' after evidence with these likelihoods (0-1)."""
    num = prior * p_if_security
    den = num + (1.0 - prior) * p_if_greedy
    return prior if den == 0.0 else num / den


def with_ratio(prior: float, likelihood_ratio: float) -> float:
    """Posterior after evidence with P(e | security) / P(e | greedy) = likelihood_ratio."""
    return bayes(prior, likelihood_ratio, 1.0)


def signal_likelihoods(
    alarm: bool,
    detection: float,
    false_alarm: float,
    p_cheat_security: float,
    p_cheat_greedy: float,
) -> tuple[float, float]:
    """P(signal | security), P(signal | greedy) for one step's compliance report."""
    p_alarm_s = p_cheat_security * detection + (1.0 - p_cheat_security) * false_alarm
    p_alarm_g = p_cheat_greedy * detection + (1.0 - p_cheat_greedy) * false_alarm
    return (p_alarm_s, p_alarm_g) if alarm else (1.0 - p_alarm_s, 1.0 - p_alarm_g)


def after_signal(
    prior: float,
    alarm: bool,
    detection: float,
    false_alarm: float,
    p_cheat_security: float,
    p_cheat_greedy: float,
) -> float:
    """Trust after one step's compliance report (alarm or clean)."""
    return bayes(
        prior, *signal_likelihoods(alarm, detection, false_alarm, p_cheat_security, p_cheat_greedy)
    )


def costly_signal_ratio(cost: float, weight: float) -> float:
    """Likelihood ratio of a signal that costs its sender `cost` (utility): 1 + weight x cost, never below 1."""
    return 1.0 + weight * max(cost, 0.0)


def clamp(trust: float, floor: float) -> float:
    """Keep trust within [floor, 1 - floor]."""
    return min(max(trust, floor), 1.0 - floor)
