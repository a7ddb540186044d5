"""Cost of the CLV models at scale: fit + predictions on a synthetic summary of N people (default 4.7 M = 50x Olist).

    /usr/bin/time -v python benchmarks/clv_models.py [--people 4700000] [--seed 1]

The summary is simulated with numpy from an MBG/NBD purchase process and Gamma-Gamma spend with Olist-like parameters
(those fitted on generated Olist data, times in days): tenure uniform on 1..700 days, whole days as in the
``clv_inputs`` mart. Then, timed one by one: fit_mbgnbd, fit_bgnbd, fit_gamma_gamma, and predict_customers over
12 months (p_alive, expected purchases, expected spend, discounted CLV). Prints seconds per step, the resident memory
after the summary exists and the peak (extra memory = peak - after summary), and the fitted parameters.
"""
from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from customer_intel.clv import fit_bgnbd, fit_gamma_gamma, fit_mbgnbd, predict_customers  # noqa: E402

# MBG/NBD and Gamma-Gamma fitted on `generate_data.py --orders 20000 --seed 7` (days, BRL).
PURCHASE = {"r": 0.1435, "alpha": 8.049, "a": 9.051, "b": 0.4721}
SPEND = {"p": 7.705, "q": 2.678, "v": 36.03}
MAX_TENURE_DAYS = 700


def simulate(people: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(frequency, recency, tenure, repeat_value) drawn from MBG/NBD + Gamma-Gamma, in whole days."""
    rng = np.random.default_rng(seed)
    tenure = rng.integers(1, MAX_TENURE_DAYS + 1, size=people).astype(float)
    rate = rng.gamma(PURCHASE["r"], 1.0 / PURCHASE["alpha"], size=people)
    drop = rng.beta(PURCHASE["a"], PURCHASE["b"], size=people)
    # MBG/NBD: a drop-out chance at the first purchase and after each repeat one, so the repeat purchases made
    # before dropping out are geometric; those that fall in (0, tenure] are Poisson(rate x tenure).
    before_drop_out = rng.geometric(drop) - 1
    in_window = rng.poisson(rate * tenure)
    frequency = np.minimum(before_drop_out, in_window)
    # The last purchase is the frequency-th of in_window uniform points on (0, tenure].
    repeat = frequency > 0
    last = np.zeros(people)
    last[repeat] = rng.beta(frequency[repeat], in_window[repeat] - frequency[repeat] + 1)
    recency = np.where(repeat, np.minimum(np.round(last * tenure), tenure), 0.0)
    nu = rng.gamma(SPEND["q"], 1.0 / SPEND["v"], size=people)
    repeat_value = np.full(people, np.nan)
    repeat_value[repeat] = np.maximum(
        np.round(rng.gamma(SPEND["p"] * frequency[repeat], 1.0 / (nu[repeat] * frequency[repeat])), 2), 0.01)
    return frequency.astype(float), recency, tenure, repeat_value


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=4_700_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    frequency, recency, tenure, repeat_value = simulate(args.people, args.seed)
    base = rss_mb()
    print(f"simulated {args.people:,} people in {time.perf_counter() - started:.1f} s; "
          f"repeat buyers {int((frequency > 0).sum()):,}; RSS after summary {base:,.0f} MB")
    timings = {}
    results = {}
    for name, call in [
        ("fit_mbgnbd", lambda: fit_mbgnbd(frequency, recency, tenure)),
        ("fit_bgnbd", lambda: fit_bgnbd(frequency, recency, tenure)),
        ("fit_gamma_gamma", lambda: fit_gamma_gamma(frequency, repeat_value)),
    ]:
        t0 = time.perf_counter()
        results[name] = call()
        timings[name] = time.perf_counter() - t0
        fit = results[name]
        print(f"{name:<18} {timings[name]:6.1f} s  rows {fit.rows:,}  "
              + "  ".join(f"{k}={v:.4g}" for k, v in fit.params.items()) + f"  LL={fit.log_likelihood:,.2f}")
    t0 = time.perf_counter()
    predictions = predict_customers(results["fit_mbgnbd"], results["fit_gamma_gamma"], frequency, recency, tenure,
                                    repeat_value, horizon_months=12, gross_margin=0.3, annual_discount_rate=0.1)
    timings["predict_customers"] = time.perf_counter() - t0
    print(f"{'predict_customers':<18} {timings['predict_customers']:6.1f} s  "
          f"mean p_alive {predictions['p_alive'].mean():.4f}, expected purchases "
          f"{predictions['expected_purchases'].sum():,.0f}, predicted CLV R$ {predictions['predicted_clv'].sum():,.0f}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    model_time = timings["fit_mbgnbd"] + timings["fit_gamma_gamma"] + timings["predict_customers"]
    print(f"MBG/NBD + Gamma-Gamma fit + predictions: {model_time:.1f} s (all steps incl. BG/NBD "
          f"{sum(timings.values()):.1f} s); peak RSS {peak:,.0f} MB, extra over the summary {peak - base:,.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
