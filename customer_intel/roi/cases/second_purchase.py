"""What brings new customers back: the first-purchase levers' effects on returning within 180 days.

The marts give the unadjusted picture (``second_purchase_drivers``: each level's return rate against everyone
else's, with intervals). Levers travel together (a late delivery is more common far from the sellers, with more
freight and more installments), so this case fits a logistic regression of returning within 180 days on all of
them at once, from ``second_purchase_patterns`` (people and returners per combination of levels: a binomial model on
those counts is the person-by-person model). Each lever's effect is an adjusted odds ratio against its reference
level (the level with the most people; on time for lateness) with its 95 % Wald interval and p-value.

Guard rails, so that a small shop's data never yields a confident-looking number it cannot carry:

- a level with fewer than ``MIN_LEVEL_RETURNERS`` returners (or non-returners) is pooled with its factor's
  reference level, and the pooling is listed; a factor left with one level drops out of the model;
- the model is fitted only with at least ``MIN_RETURNERS_PER_EFFECT`` returners per estimated effect (the usual
  events-per-variable rule); otherwise ``reason`` says why nothing was fitted;
- a lever whose interval contains 1 is said to be indistinguishable from no effect.

What fixing late deliveries would be worth (``LatenessFix``): the returners added if every late first delivery had
been on time, from the fitted model (each late combination's predicted rate with its lateness set to on time, minus
its predicted rate), per new customer, with a P10–P90 range from draws of the coefficients (normal, the fit's
covariance, the run's seed). It is given only where a late band's effect is measured (interval below 1).
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

Z_95 = 1.959963984540054
MIN_LEVEL_RETURNERS = 5
MIN_RETURNERS_PER_EFFECT = 10
COEFFICIENT_DRAWS = 2000
MAX_ABS_COEFFICIENT = 15.0     # a log-odds this far out means separation, not an effect
#: The levers of the model (columns of second_purchase_patterns) with their names in words.
FACTORS = {
    "days_late": "lateness of the first delivery",
    "freight_share": "freight share of the first basket",
    "installments": "installments of the first payment",
    "items": "items in the first basket",
    "payment_type": "payment type",
    "is_shipped_from_another_state": "shipped from another state",
    "customer_region": "customer region",
}
LATENESS = "days_late"
ON_TIME = "on time or early"
NOT_DELIVERED = "not delivered"
LEVER_COLUMNS = ("factor", "level", "reference_level", "people", "returned", "return_rate", "odds_ratio",
                 "odds_ratio_lower_95", "odds_ratio_upper_95", "p_value", "verdict")


@dataclass(frozen=True)
class ReturnModel:
    """The fitted regression, or why there is none."""

    people: int
    returned: int
    reason: str | None = None                    # why nothing was fitted; None when fitted
    levers: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=LEVER_COLUMNS))
    references: dict[str, str] = field(default_factory=dict)
    pooled: list[tuple[str, str]] = field(default_factory=list)    # (factor, level) pooled with the reference
    dropped: list[str] = field(default_factory=list)               # factors left with one level
    coefficients: pd.Series | None = None
    covariance: pd.DataFrame | None = None

    @property
    def fitted(self) -> bool:
        return self.reason is None


@dataclass(frozen=True)
class LatenessFix:
    """Returners added per new customer if late first deliveries had been on time."""

    late_share: float                 # of the people the model rests on, share with a late first delivery
    added_return_rate: float          # added returners per new customer (all new customers, not only late ones)
    added_return_rate_p10: float
    added_return_rate_p90: float


@dataclass(frozen=True)
class SecondPurchase:
    """The drivers as the mart has them, the adjusted model, and the value of on-time first deliveries."""

    drivers: pd.DataFrame
    model: ReturnModel
    lateness_fix: LatenessFix | None


def verdict(lower: float, upper: float) -> str:
    """How a lever's interval reads."""
    if lower > 1:
        return "more likely to come back"
    if upper < 1:
        return "less likely to come back"
    return "cannot be told from no effect"


def reference_levels(patterns: pd.DataFrame) -> dict[str, str]:
    """Each factor's reference: on time for lateness when present, else its level with the most people."""
    references = {}
    for factor in FACTORS:
        people = patterns.groupby(factor)["people"].sum()
        if factor == LATENESS and ON_TIME in people.index:
            references[factor] = ON_TIME
        else:
            references[factor] = str(people.sort_index().idxmax())
    return references


def pool_sparse_levels(patterns: pd.DataFrame, references: dict[str, str]):
    """Levels with too few returners (or non-returners) relabelled as their reference; the pooled (factor, level)
    pairs; factors left with a single level."""
    pooled_frame, pooled, dropped = patterns.copy(), [], []
    for factor in FACTORS:
        totals = pooled_frame.groupby(factor)[["people", "returned"]].sum()
        stayed = totals["people"] - totals["returned"]
        sparse = [level for level in totals.index if level != references[factor]
                  and (totals.loc[level, "returned"] < MIN_LEVEL_RETURNERS or stayed[level] < MIN_LEVEL_RETURNERS)]
        pooled += [(factor, level) for level in sorted(sparse)]
        pooled_frame.loc[pooled_frame[factor].isin(sparse), factor] = references[factor]
        if pooled_frame[factor].nunique() < 2:
            dropped.append(factor)
    return pooled_frame, pooled, dropped


def design_matrix(patterns: pd.DataFrame, factors: list[str], references: dict[str, str]) -> pd.DataFrame:
    """Intercept plus one 0/1 column per non-reference level, named ``factor=level``, in a fixed order."""
    columns = {"intercept": np.ones(len(patterns))}
    for factor in factors:
        for level in sorted(set(patterns[factor]) - {references[factor]}):
            columns[f"{factor}={level}"] = (patterns[factor] == level).to_numpy(dtype=float)
    return pd.DataFrame(columns, index=patterns.index)


def fit(patterns: pd.DataFrame) -> ReturnModel:
    """The logistic regression on ``second_purchase_patterns``, within the guard rails of the module docstring."""
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

    people, returned = int(patterns["people"].sum()), int(patterns["returned"].sum())
    if people == 0:
        return ReturnModel(0, 0, reason="no new customer's 180 days are over yet")
    references = reference_levels(patterns)
    pooled_frame, pooled, dropped = pool_sparse_levels(patterns, references)
    factors = [factor for factor in FACTORS if factor not in dropped]
    design = design_matrix(pooled_frame, factors, references)
    effects = design.shape[1] - 1
    context = dict(people=people, returned=returned, references=references, pooled=pooled, dropped=dropped)
    if effects == 0:
        return ReturnModel(**context, reason="no lever has enough returners in more than one level")
    if returned < MIN_RETURNERS_PER_EFFECT * effects:
        return ReturnModel(**context, reason=(
            f"{returned:,} of {people:,} new customers came back within 180 days; a model of {effects} effects "
            f"needs at least {MIN_RETURNERS_PER_EFFECT * effects:,} ({MIN_RETURNERS_PER_EFFECT} per effect)"))
    counts = np.column_stack([pooled_frame["returned"], pooled_frame["people"] - pooled_frame["returned"]])
    with warnings.catch_warnings():
        # statsmodels' separation check compares fitted and observed rates, which grouped counts of a saturated
        # model always match; separation shows instead as coefficients running off (checked below).
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        warnings.simplefilter("ignore", RuntimeWarning)     # its scale estimate divides by 0 residual df
        try:
            result = sm.GLM(counts.astype(float), design, family=sm.families.Binomial()).fit()
        except (np.linalg.LinAlgError, ValueError) as exc:
            return ReturnModel(**context, reason=f"the regression cannot be estimated ({exc})")
    if (not result.converged or not np.all(np.isfinite(result.bse))
            or np.abs(result.params).max() > MAX_ABS_COEFFICIENT):
        return ReturnModel(**context, reason="the regression did not converge (a combination of levers separates "
                                             "returners from the rest)")
    return ReturnModel(**context, levers=lever_table(pooled_frame, result, references),
                       coefficients=result.params, covariance=result.cov_params())


def lever_table(patterns: pd.DataFrame, result, references: dict[str, str]) -> pd.DataFrame:
    """One row per estimated effect: the level's people and returners, its odds ratio against the reference."""
    rows = []
    intervals = result.conf_int(alpha=0.05)
    for name in result.params.index.drop("intercept"):
        factor, level = name.split("=", 1)
        level_rows = patterns[patterns[factor] == level]
        level_people, level_returned = int(level_rows["people"].sum()), int(level_rows["returned"].sum())
        lower, upper = float(np.exp(intervals.loc[name, 0])), float(np.exp(intervals.loc[name, 1]))
        rows.append((factor, level, references[factor], level_people, level_returned,
                     level_returned / level_people, float(np.exp(result.params[name])), lower, upper,
                     float(result.pvalues[name]), verdict(lower, upper)))
    return pd.DataFrame(rows, columns=list(LEVER_COLUMNS))


def predicted_rates(design: pd.DataFrame, coefficients: np.ndarray) -> np.ndarray:
    """Predicted return probability of each row of ``design`` for each coefficient vector (rows of 2-D input)."""
    linear = np.atleast_2d(coefficients) @ design.to_numpy().T
    return 1.0 / (1.0 + np.exp(-linear))


def lateness_fix(patterns: pd.DataFrame, model: ReturnModel, seed: int) -> LatenessFix | None:
    """Added returners per new customer had every late first delivery been on time; None unless measured."""
    if not model.fitted or LATENESS in model.dropped:
        return None
    late_levers = model.levers[(model.levers["factor"] == LATENESS) & (model.levers["level"] != NOT_DELIVERED)]
    if late_levers.empty or not (late_levers["odds_ratio_upper_95"] < 1).any():
        return None
    pooled_frame, _, _ = pool_sparse_levels(patterns, model.references)
    factors = [factor for factor in FACTORS if factor not in model.dropped]
    late = pooled_frame[~pooled_frame[LATENESS].isin([ON_TIME, NOT_DELIVERED])]
    on_time = late.assign(**{LATENESS: ON_TIME})
    actual = design_matrix(late, factors, model.references).reindex(columns=model.coefficients.index, fill_value=0.0)
    fixed = design_matrix(on_time, factors, model.references).reindex(columns=model.coefficients.index,
                                                                      fill_value=0.0)
    weights = late["people"].to_numpy(dtype=float)
    total = float(patterns["people"].sum())
    rng = np.random.default_rng(seed)
    draws = rng.multivariate_normal(model.coefficients.to_numpy(), model.covariance.to_numpy(), COEFFICIENT_DRAWS)
    gained = (predicted_rates(fixed, draws) - predicted_rates(actual, draws)) @ weights / total
    point = ((predicted_rates(fixed, model.coefficients.to_numpy())
                   - predicted_rates(actual, model.coefficients.to_numpy())) @ weights / total)[0]
    return LatenessFix(late_share=float(weights.sum() / total), added_return_rate=float(point),
                       added_return_rate_p10=float(np.quantile(gained, 0.1)),
                       added_return_rate_p90=float(np.quantile(gained, 0.9)))


def compute(drivers: pd.DataFrame, patterns: pd.DataFrame, seed: int) -> SecondPurchase:
    """The case: the marts' drivers, the regression and, where measured, what on-time deliveries are worth."""
    model = fit(patterns)
    return SecondPurchase(drivers=drivers, model=model, lateness_fix=lateness_fix(patterns, model, seed))
