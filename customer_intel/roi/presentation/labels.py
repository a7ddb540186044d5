"""What the report and the tables call things: model names and value bases in words."""
from __future__ import annotations

from customer_intel.roi.cases.backtest import BASELINE
from customer_intel.roi.cases.predictive_profile import FALLBACK_MODEL, FALLBACK_SPEND

MODEL_LABELS = {"mbgnbd": "MBG/NBD", "bgnbd": "BG/NBD", "gamma_gamma": "Gamma-Gamma",
                FALLBACK_MODEL: "the segments' measured return rates (no model)",
                FALLBACK_SPEND: "the average spend per purchase (no model)",
                BASELINE: "segment baseline (no model)"}
VALUE_BASIS_LABELS = {
    "avg_order_value": "average order value (revenue / orders)",
    "avg_customer_value": "average customer value (revenue / customers)",
    "fixed": "a fixed value from the assumptions",
}
