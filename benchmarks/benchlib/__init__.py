"""The benchmark's parts; benchmarks/bench.py is its command line and re-exports them.

config (paths, presets, targets) · measure (one step's time and memory) · reference_points (machine limit, pandas
baseline) · agreement (totals that must agree) · ratios (results and their targets) · report (Markdown, README) ·
machine (what was measured on) · runner (settings, context, one step) · postgres_admin (benchmark databases) ·
sizes (the whole run).
"""
