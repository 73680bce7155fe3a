"""Intervals and funnel plots for proportions (methods note sections 4-6):
Wilson score intervals, exact binomial control limits with Spiegelhalter's
interpolation, and the geometry of a funnel plot drawn as SVG. Pure."""
import math

import numpy as np
from scipy.stats import binom

Z95 = 1.959964
LIMITS = ((0.95, "95%"), (0.998, "99.8%"))


def wilson(events, n, z=Z95):
    """(low, high) of the Wilson score interval for events/n, or None for n=0."""
    if not n:
        return None
    p = events / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    scale = 1 + z * z / n
    return max(0.0, (centre - spread) / scale), min(1.0, (centre + spread) / scale)


def exact_limit(p, n, theta):
    """The limit at probability p for n cases around proportion theta:
    r = qbinom(p, n, theta); a = (F(r) - p) / f(r); (r - a) / n
    (Spiegelhalter 2005, appendix A.1.1)."""
    if n <= 0:
        return None
    if theta <= 0 or theta >= 1:
        return float(theta)
    r = float(binom.ppf(p, n, theta))
    a = (binom.cdf(r, n, theta) - p) / binom.pmf(r, n, theta)
    return min(1.0, max(0.0, (r - a) / n))


def exact_limits(p, ns, theta):
    """exact_limit for many n at once (one vectorised call, for the plot)."""
    ns = np.asarray(ns, dtype=float)
    if theta <= 0 or theta >= 1:
        return np.full(len(ns), float(theta))
    r = binom.ppf(p, ns, theta)
    a = (binom.cdf(r, ns, theta) - p) / binom.pmf(r, ns, theta)
    return np.clip((r - a) / ns, 0.0, 1.0)


def limits(n, theta):
    """{"95%": (low, high), "99.8%": (low, high)} for a unit of n cases."""
    return {name: (exact_limit((1 - level) / 2, n, theta), exact_limit(1 - (1 - level) / 2, n, theta))
            for level, name in LIMITS}


def position(y, n, theta):
    """Where a unit sits: "above 99.8%", "above 95%", "within", "below 95%", "below 99.8%"."""
    bounds = limits(n, theta)
    for name in ("99.8%", "95%"):
        low, high = bounds[name]
        if y > high + 1e-12:
            return f"above {name}"
        if y < low - 1e-12:
            return f"below {name}"
    return "within"


# --- Plot geometry -----------------------------------------------------------

WIDTH, HEIGHT, LEFT, BOTTOM, TOP, RIGHT = 640, 360, 56, 40, 16, 16


def _nice_top(value):
    for top in (0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0):
        if value <= top:
            return top
    return 1.0


def plot(points, theta):
    """Coordinates for an SVG funnel plot. `points` are dicts with n
    (denominator) and y (rate, 0-1) and label; returns a dict of what the
    template draws: axes ticks, the centre line, four limit polylines, the
    points with their position against the limits."""
    n_max = max([p["n"] for p in points] + [10])
    y_max = _nice_top(max([p["y"] for p in points] + [theta * 2, 0.02]))
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(n):
        return round(LEFT + inner_w * n / n_max, 1)

    def y(v):
        return round(TOP + inner_h * (1 - min(v, y_max) / y_max), 1)

    steps = sorted({max(1, round(n_max * k / 60)) for k in range(1, 61)})
    lines = {}
    for level, name in LIMITS:
        for side, p in (("low", (1 - level) / 2), ("high", 1 - (1 - level) / 2)):
            values = exact_limits(p, steps, theta)
            lines[f"{name} {side}"] = " ".join(f"{x(n)},{y(float(v))}" for n, v in zip(steps, values, strict=True))
    return {
        "width": WIDTH, "height": HEIGHT, "left": LEFT, "top": TOP, "bottom": HEIGHT - BOTTOM,
        "right": WIDTH - RIGHT, "centre": y(theta), "lines": lines,
        "x_ticks": [(x(v), v) for v in _ticks(n_max)],
        "y_ticks": [(y(v), round(100 * v, 1)) for v in _ticks_rate(y_max)],
        "points": [{**p, "cx": x(p["n"]), "cy": y(p["y"]), "position": position(p["y"], p["n"], theta)}
                   for p in points],
    }


def _ticks(top):
    step = max(1, 10 ** int(math.log10(max(top, 1))))
    if top / step < 3:
        step = max(1, step // 2)
    return list(range(0, int(top) + 1, step))


def _ticks_rate(top):
    return [round(top * k / 5, 4) for k in range(6)]
