"""Risk adjustment by indirect standardisation (methods note section 3):
a logistic model of the outcome on case-mix covariates, fitted once over
every unit's resections; each unit's expected count E is the sum of its
patients' predicted risks; O/E is its standardised ratio and O/E x the
overall rate its adjusted rate. Fitted with statsmodels (a maintained,
documented GLM implementation: we do not write our own optimiser). Pure."""
import warnings
from collections import Counter

import numpy as np
import statsmodels.api as sm

MAX_COEFFICIENT = 10.0  # a log-odds ratio beyond e^10 only comes from separation


def design(rows, weights=None):
    """(matrix, column names) from [{covariate: level}] (each standing for
    `weights` resections): an intercept and one indicator per level except
    each covariate's most common one (the reference). Covariates with a
    single level carry no information and are left out."""
    names = sorted({k for r in rows for k in r})
    weights = weights if weights is not None else [1] * len(rows)
    columns, labels = [np.ones(len(rows))], ["intercept"]
    for name in names:
        counts = Counter()
        for r, w in zip(rows, weights, strict=True):
            counts[r.get(name, "missing")] += w
        if len(counts) < 2:
            continue
        reference = sorted(counts, key=lambda level: (-counts[level], level))[0]
        for level in sorted(counts):
            if level != reference:
                columns.append(np.array([1.0 if r.get(name, "missing") == level else 0.0 for r in rows]))
                labels.append(f"{name}={level}")
    return np.column_stack(columns), labels


def fit(rows, outcomes, weights=None):
    """Fit outcome ~ covariates; `weights` counts how many resections each
    row stands for (identical rows grouped). Returns {"coefficients": {label: value},
    "predicted": [probability per row], "method": text}. With no event, or
    every row an event, or a fit that does not converge, every row gets the
    overall rate and the method says so."""
    y = np.array([1.0 if o else 0.0 for o in outcomes])
    w = np.array(weights if weights is not None else [1.0] * len(y), dtype=float)
    overall = float((y * w).sum() / w.sum()) if len(y) else 0.0
    if not len(y) or overall in (0.0, 1.0):
        return _crude(len(y), overall, "no variation in the outcome: expected = overall rate")
    x, labels = design(rows, w)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = sm.GLM(y, x, family=sm.families.Binomial(), freq_weights=w).fit()
    except (np.linalg.LinAlgError, ValueError, sm.tools.sm_exceptions.PerfectSeparationError) as exc:
        return _crude(len(y), overall, f"model did not fit ({type(exc).__name__}): expected = overall rate")
    if not result.converged or not np.all(np.isfinite(result.params)):
        return _crude(len(y), overall, "model did not converge: expected = overall rate")
    if np.max(np.abs(result.params)) > MAX_COEFFICIENT:
        # Separation: too few events for the covariates; such a fit predicts 0 or 1.
        return _crude(len(y), overall, "too few events for the covariates: expected = overall rate")
    return {"coefficients": dict(zip(labels, (float(b) for b in result.params), strict=True)),
            "predicted": [float(p) for p in result.predict(x)],
            "method": f"logistic regression on {len(labels) - 1} indicators ({int(w.sum())} resections)"}


def _crude(n, overall, method):
    return {"coefficients": {}, "predicted": [overall] * n, "method": method}


def standardise(units, outcomes, predicted, weights=None):
    """{unit: {"observed", "expected", "n", "ratio", "adjusted"}} by indirect
    standardisation; `units`, `outcomes`, `predicted` (and `weights`) are
    parallel lists."""
    weights = weights if weights is not None else [1] * len(outcomes)
    total_o = sum(w for o, w in zip(outcomes, weights, strict=True) if o)
    total_n = sum(weights)
    overall = total_o / total_n if total_n else 0.0
    out = {}
    for unit, o, p, w in zip(units, outcomes, predicted, weights, strict=True):
        cell = out.setdefault(unit, {"observed": 0, "expected": 0.0, "n": 0})
        cell["observed"] += w if o else 0
        cell["expected"] += p * w
        cell["n"] += w
    for cell in out.values():
        cell["ratio"] = cell["observed"] / cell["expected"] if cell["expected"] > 0 else None
        cell["adjusted"] = cell["ratio"] * overall if cell["ratio"] is not None else None
    return out
