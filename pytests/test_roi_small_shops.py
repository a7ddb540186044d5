"""roi.py never fails for want of a model: small shops, a shop where nobody bought twice, a degenerate comparison.

Each case is the whole pipeline as a user runs it (generate_data.py, load_data.py, `dbt build`, roi.py) on a DuckDB
warehouse of its own; each must exit 0, name the model its predictions use, write every output and put one
prediction per purchaser into the warehouse. Which model each case lands on was read off these seeds once (the
fits are deterministic); the assertions check that the states behind the choice are the ones the data imply:

- 500 orders: 7 repeat buyers. Without a penalty MBG/NBD runs off to its limits and BG/NBD is chosen; with the
  default penalty MBG/NBD is identified (penalised) and used.
- 2,000 orders without a penalty: MBG/NBD is identified, BG/NBD (the comparison) degenerate.
- 2,000 orders cut to each person's first order: nobody bought twice, no model can be fitted, the segments'
  measured return rates stand in.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from conftest import duckdb_warehouse_env, load_and_build, query_warehouse, run_script
from test_roi_cli import CHARTS, TABLES


def first_orders_only(source: Path, target: Path) -> None:
    """The Olist files of ``source`` with each person's first order only (by purchase time), into ``target``."""
    target.mkdir(parents=True)

    def read(name: str) -> pd.DataFrame:
        return pd.read_csv(source / name, dtype=str, keep_default_na=False)

    orders, customers = read("olist_orders_dataset.csv"), read("olist_customers_dataset.csv")
    people = orders.merge(customers[["customer_id", "customer_unique_id"]], on="customer_id")
    first = people.sort_values(["customer_unique_id", "order_purchase_timestamp", "order_id"]).drop_duplicates(
        "customer_unique_id")
    kept = orders.loc[orders["order_id"].isin(set(first["order_id"]))]
    kept.to_csv(target / "olist_orders_dataset.csv", index=False)
    customers.loc[customers["customer_id"].isin(set(kept["customer_id"]))].to_csv(
        target / "olist_customers_dataset.csv", index=False)
    for name in ("olist_order_items_dataset.csv", "olist_order_payments_dataset.csv",
                 "olist_order_reviews_dataset.csv"):
        table = read(name)
        table.loc[table["order_id"].isin(set(kept["order_id"]))].to_csv(target / name, index=False)
    for name in ("olist_products_dataset.csv", "olist_sellers_dataset.csv", "olist_geolocation_dataset.csv",
                 "product_category_name_translation.csv"):
        (target / name).write_bytes((source / name).read_bytes())


@pytest.fixture(scope="module")
def shops(tmp_path_factory) -> dict[str, dict]:
    """name → environment of a built DuckDB warehouse: 500 and 2,000 generated orders, and the 2,000 cut to first
    orders."""
    folder = tmp_path_factory.mktemp("small_shops")
    data = {}
    for orders in (500, 2000):
        data[str(orders)] = folder / f"data_{orders}"
        run_script("generate_data.py", "--orders", str(orders), "--seed", "42", "--out", str(data[str(orders)]))
    data["first_orders"] = folder / "data_first_orders"
    first_orders_only(data["2000"], data["first_orders"])
    envs = {}
    for name, data_dir in data.items():
        env = duckdb_warehouse_env(folder / f"warehouse_{name}")
        (folder / f"warehouse_{name}").mkdir()
        build = load_and_build(env, data_dir, "tie_aware", folder / f"dbt_{name}")
        assert build.returncode == 0, build.stdout[-3000:]
        envs[name] = env
    return envs


def run_roi(env: dict, out: Path, penalty: float | None = None):
    args = ["--out", str(out), "--no-png"]
    if penalty is not None:
        (out.parent / "penalty.yml").write_text(f"clv:\n  penalty: {penalty}\n", encoding="utf-8")
        args += ["--assumptions", str(out.parent / "penalty.yml")]
    return run_script("roi.py", *args, env=env, check=False)


def check_every_output(env: dict, out: Path, proc, model: str) -> pd.DataFrame:
    """Exit 0, every CSV, chart and the report, the model named; the warehouse table and its CSV, one row per
    purchaser of clv_inputs. Returns the model parameter table."""
    assert proc.returncode == 0, proc.stderr
    assert sorted(path.stem for path in out.glob("*.csv")) == sorted(TABLES)
    assert sorted(path.stem for path in (out / "charts").glob("*.html")) == sorted(CHARTS)
    assert f"roi: predicted CLV ({model})" in proc.stdout
    people = query_warehouse(env, "select count(*) from analytics.clv_inputs")[0][0]
    assert f"roi: {people:,} predictions written to predictions.customer_predictions" in proc.stdout
    stored = query_warehouse(env, "select model, count(*), count(distinct customer_unique_id) "
                                  "from predictions.customer_predictions group by model")
    assert stored == [(model, people, people)]
    predictions = pd.read_csv(out / "clv_predictions.csv")
    assert len(predictions) == people and predictions["model"].unique().tolist() == [model]
    for column in ("p_purchase_30d", "p_purchase_90d", "p_purchase_365d"):
        assert predictions[column].between(0, 1).all(), column
    assert (predictions["p_purchase_30d"] <= predictions["p_purchase_90d"] + 1e-15).all()
    assert (predictions["p_purchase_90d"] <= predictions["p_purchase_365d"] + 1e-15).all()
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "Predictions on " in report and "Predicted lifetime value" in report
    return pd.read_csv(out / "clv_model_parameters.csv")


def states(parameters: pd.DataFrame, fit: str = "full") -> dict[str, str]:
    rows = parameters.loc[parameters["fit"] == fit].drop_duplicates("model")
    return dict(zip(rows["model"], rows["state"]))


def test_a_500_order_shop_uses_the_penalised_main_model(shops, tmp_path):
    proc = run_roi(shops["500"], tmp_path / "out")
    parameters = check_every_output(shops["500"], tmp_path / "out", proc, "mbgnbd")
    full = parameters.loc[(parameters["fit"] == "full") & (parameters["model"] == "mbgnbd")]
    assert full["state"].unique().tolist() == ["identified"] and full["penalty"].unique().tolist() == [0.1]
    assert full["reason"].iloc[0].startswith("with the penalty 0.1; without it parameter(s)")
    # the main model is used: no notice about the model (this shop's holdout may have no buyer, which the backtest's
    # own notice says; the first-orders shop's test checks that one)
    model_notices = [line for line in proc.stderr.splitlines()
                     if line.startswith("roi: notice: clv:") and "no backtest" not in line]
    assert model_notices == []


def test_a_500_order_shop_without_a_penalty_falls_back_to_bgnbd(shops, tmp_path):
    proc = run_roi(shops["500"], tmp_path / "out", penalty=0)
    parameters = check_every_output(shops["500"], tmp_path / "out", proc, "bgnbd")
    assert states(parameters)["mbgnbd"] == "degenerate" and states(parameters)["bgnbd"] == "identified"
    assert "because MBG/NBD is degenerate (parameter(s)" in proc.stderr  # the notice says why
    # Gamma-Gamma runs off too without a penalty (7 repeat buyers): the average spend stands in for it
    assert states(parameters)["gamma_gamma"] == "degenerate"
    assert parameters.loc[parameters["used"], "model"].unique().tolist() == ["bgnbd"]
    predictions = pd.read_csv(tmp_path / "out" / "clv_predictions.csv")
    assert predictions["spend_model"].unique().tolist() == ["average_spend"]


def test_a_degenerate_comparison_model_does_not_stop_the_run(shops, tmp_path):
    proc = run_roi(shops["2000"], tmp_path / "out", penalty=0)
    parameters = check_every_output(shops["2000"], tmp_path / "out", proc, "mbgnbd")
    assert states(parameters) == {"mbgnbd": "identified", "bgnbd": "degenerate", "gamma_gamma": "identified"}
    report = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "BG/NBD, the comparison model, is degenerate" in report


def test_a_shop_where_nobody_bought_twice_uses_the_segment_rates(shops, tmp_path):
    env = shops["first_orders"]
    assert query_warehouse(env, "select max(frequency) from analytics.clv_inputs")[0][0] == 0
    proc = run_roi(env, tmp_path / "out")
    parameters = check_every_output(env, tmp_path / "out", proc, "segment_rates")
    assert set(states(parameters).values()) == {"not_fitted"}
    predictions = pd.read_csv(tmp_path / "out" / "clv_predictions.csv")
    assert predictions["p_alive"].isna().all() and predictions["spend_model"].unique().tolist() == ["average_spend"]
    assert "No backtest on these data" in (tmp_path / "out" / "report.html").read_text(encoding="utf-8")


def test_read_only_users_skip_the_write_back(shops, tmp_path):
    import duckdb

    env = {**shops["2000"], "DUCKDB_PATH": str(tmp_path / "copy.duckdb")}
    Path(env["DUCKDB_PATH"]).write_bytes(Path(shops["2000"]["DUCKDB_PATH"]).read_bytes())
    with duckdb.connect(env["DUCKDB_PATH"]) as con:
        con.execute("drop schema if exists predictions cascade")
    proc = run_script("roi.py", "--out", str(tmp_path / "out"), "--no-png", "--no-write-back", env=env, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "predictions written" not in proc.stdout and (tmp_path / "out" / "clv_predictions.csv").is_file()
    assert query_warehouse(env, "select count(*) from information_schema.schemata "
                                "where schema_name = 'predictions'")[0][0] == 0
