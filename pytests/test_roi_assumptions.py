"""The assumptions file: shipped defaults, partial overrides, CLI flags, and one-line validation errors."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from customer_intel.roi import assumptions
from customer_intel.roi.assumptions import load_assumptions
from customer_intel.roi.errors import RoiError
from customer_intel.roi.methods.monte_carlo import Distribution


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "roi.yml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def error_of(tmp_path: Path, text: str | None = None, **overrides) -> str:
    path = write(tmp_path, text) if text is not None else None
    with pytest.raises(RoiError) as error:
        load_assumptions(path, overrides)
    message = str(error.value)
    assert "\n" not in message
    return message


def test_shipped_defaults_load_and_document_the_reference_inputs():
    loaded = load_assumptions()
    assert loaded.win_back.gross_margin == 0.25
    assert loaded.win_back.cost_per_contact == 0.50
    assert loaded.win_back.fixed_cost == 0 and loaded.win_back.incentive_per_reactivated == 0
    assert 0.05 in loaded.win_back.success_rates
    assert min(loaded.welcome_series.improvements) == 0.05 and max(loaded.welcome_series.improvements) == 0.30
    assert loaded.welcome_series.new_customers_per_month is None  # auto
    assert loaded.monte_carlo.runs > 0
    text = assumptions.DEFAULTS_PATH.read_text(encoding="utf-8")
    for key in ("gross_margin", "cost_per_contact", "success_rates", "improvements", "uncertainty", "seed"):
        assert key in text
    assert text.count("#") > 30  # every value is explained


def test_a_partial_file_keeps_the_other_defaults(tmp_path):
    loaded = load_assumptions(write(tmp_path, """
        win_back:
          cost_per_contact: 1.25
    """))
    assert loaded.win_back.cost_per_contact == 1.25
    assert loaded.win_back.gross_margin == 0.25
    assert loaded.welcome_series.improvements == load_assumptions().welcome_series.improvements


def test_flags_win_over_the_file(tmp_path):
    path = write(tmp_path, "win_back:\n  cost_per_contact: 1.25\n")
    loaded = load_assumptions(path, {"win_back.cost_per_contact": 2.0, "monte_carlo.seed": 7})
    assert loaded.win_back.cost_per_contact == 2.0
    assert loaded.monte_carlo.seed == 7


def test_an_input_set_by_the_user_is_held_fixed_in_the_simulation(tmp_path):
    defaults = load_assumptions()
    assert "cost_per_contact" in defaults.win_back.uncertainty
    loaded = load_assumptions(None, {"win_back.cost_per_contact": 2.0})
    assert "cost_per_contact" not in loaded.win_back.uncertainty
    assert loaded.win_back.uncertainty["gross_margin"] == defaults.win_back.uncertainty["gross_margin"]


def test_success_rate_without_distribution_is_uniform_over_the_scenarios(tmp_path):
    loaded = load_assumptions(None, {"win_back.success_rates": [0.02, 0.04, 0.08]})
    assert loaded.win_back.uncertainty["success_rate"] == Distribution("uniform", (0.02, 0.08))


def test_distribution_forms(tmp_path):
    loaded = load_assumptions(write(tmp_path, """
        win_back:
          uncertainty:
            success_rate: 0.03
            cost_per_contact: [0.2, 0.8]
            gross_margin: {distribution: normal, mean: 0.25, sd: 0.05}
            fixed_cost: {distribution: triangular, low: 0, mode: 100, high: 500}
    """))
    assert loaded.win_back.uncertainty == {
        "success_rate": Distribution("fixed", (0.03,)),
        "cost_per_contact": Distribution("uniform", (0.2, 0.8)),
        "gross_margin": Distribution("normal", (0.25, 0.05)),
        "fixed_cost": Distribution("triangular", (0.0, 100.0, 500.0)),
    }


@pytest.mark.parametrize("text, message", [
    ("win_back:\n  gross_margin: 25\n",
     "assumptions: win_back.gross_margin must be a fraction in [0, 1], e.g. 0.05 for 5% (got 25)"),
    ("win_back:\n  cost_per_contact: -0.5\n",
     "assumptions: win_back.cost_per_contact must not be negative (got -0.5)"),
    ("win_back:\n  success_rates: [0.05, 1.5]\n",
     "assumptions: win_back.success_rates[1] must be a fraction in [0, 1], e.g. 0.05 for 5% (got 1.5)"),
    ("win_back:\n  success_rates: []\n",
     "assumptions: win_back.success_rates must be a non-empty list (got [])"),
    ("welcome_series:\n  incentive_per_retained: -2\n",
     "assumptions: welcome_series.incentive_per_retained must not be negative (got -2)"),
    ("welcome_series:\n  improvements: [10, 20]\n",
     "assumptions: welcome_series.improvements[0] must be a fraction in [0, 1], e.g. 0.05 for 5% (got 10)"),
    ("welcome_series:\n  gross_margin: high\n",
     "assumptions: welcome_series.gross_margin must be a number (got 'high')"),
    ("welcome_series:\n  value_basis: fixed\n",
     "assumptions: welcome_series.value_per_customer is required when value_basis is fixed"),
    ("welcome_series:\n  value_per_customer: 120\n",
     "assumptions: welcome_series.value_per_customer is only used with value_basis: fixed"),
    ("win_back:\n  cost_per_contac: 1\n",
     "assumptions: unknown key 'win_back.cost_per_contac' (known in win_back: gross_margin, cost_per_contact, "
     "fixed_cost, incentive_per_reactivated, value_basis, success_rates, campaign_window_months, "
     "sensitivity.success_rates, sensitivity.costs_per_contact, uncertainty)"),
    ("campaign:\n  budget: 1\n",
     "assumptions: unknown key 'campaign.budget' (top-level keys: win_back, welcome_series, monte_carlo, clv, "
     "experiment)"),
    ("win_back: 3\n", "assumptions: win_back must be a mapping (got 3)"),
    ("monte_carlo:\n  runs: 0\n", "assumptions: monte_carlo.runs must be a whole number >= 1 (got 0)"),
    ("win_back:\n  uncertainty:\n    cost_per_contact: [-1, 2]\n",
     "assumptions: win_back.uncertainty.cost_per_contact must not be negative (got -1)"),
    ("win_back:\n  uncertainty:\n    success_rate: {distribution: triangular, low: 0.01, mode: 0.5, high: 2}\n",
     "assumptions: win_back.uncertainty.success_rate.high must be a fraction in [0, 1], e.g. 0.05 for 5% (got 2)"),
    ("win_back:\n  uncertainty:\n    success_rate: {distribution: triangular, low: 0.05, mode: 0.01, high: 0.1}\n",
     "assumptions: win_back.uncertainty.success_rate needs low <= mode <= high with low < high "
     "(got (0.05, 0.01, 0.1))"),
    ("win_back:\n  uncertainty:\n    success_rate: {distribution: beta, a: 1}\n",
     "assumptions: win_back.uncertainty.success_rate.distribution must be one of uniform, triangular, normal "
     "(got 'beta')"),
    ("win_back:\n  uncertainty:\n    people: [1, 2]\n",
     "assumptions: win_back.uncertainty.people cannot be uncertain (choose from success_rate, cost_per_contact, "
     "gross_margin, fixed_cost, incentive_per_reactivated)"),
    ("- just\n- a list\n", None),
])
def test_validation_messages_name_the_field(tmp_path, text, message):
    got = error_of(tmp_path, text)
    if message is None:
        assert got.endswith("must be a mapping with keys win_back and welcome_series")
    else:
        assert got == message


def test_cli_overrides_are_validated_like_the_file():
    with pytest.raises(RoiError) as error:
        load_assumptions(None, {"win_back.gross_margin": 1.5})
    assert str(error.value) == (
        "assumptions: win_back.gross_margin must be a fraction in [0, 1], e.g. 0.05 for 5% (got 1.5)"
    )


def test_malformed_yaml_is_one_line_with_its_position(tmp_path):
    message = error_of(tmp_path, "win_back:\n  cost_per_contact: [0.5\n  gross_margin: 0.2\n")
    assert message.startswith(f"assumptions: {tmp_path / 'roi.yml'} is not valid YAML (line ")


def test_missing_file():
    with pytest.raises(RoiError) as error:
        load_assumptions(Path("/nonexistent/roi.yml"))
    assert str(error.value) == "assumptions: file not found: /nonexistent/roi.yml"


def test_empty_file_means_all_defaults(tmp_path):
    assert load_assumptions(write(tmp_path, "")).win_back == load_assumptions().win_back


def test_table_rows_print_rates_in_percent_and_money_in_brl():
    rows = {key: value for key, value, _meaning in assumptions.table_rows(load_assumptions())}
    assert rows["win_back.gross_margin"] == "25%"
    assert rows["win_back.cost_per_contact"] == "R$ 0.50"
    assert rows["welcome_series.new_customers_per_month"] == "auto (measured)"
    assert rows["win_back.uncertainty.cost_per_contact"] == "uniform(low R$ 0.30, high R$ 1.00)"
    assert rows["win_back.uncertainty.success_rate"] == "triangular(low 0.5%, mode 2%, high 6%)"


# --- one declaration per assumption: the defaults file, the dataclasses and the flags agree with it ----------------

def test_the_defaults_file_sets_exactly_the_declared_assumptions_in_their_order():
    from customer_intel.roi.assumptions import ASSUMPTIONS, flatten, read_yaml

    in_file = list(flatten(read_yaml(assumptions.DEFAULTS_PATH)))
    declared = [assumption.key for assumption in ASSUMPTIONS if assumption.dbt_var is None]
    assert in_file == declared, (
        f"only in roi_defaults.yml: {sorted(set(in_file) - set(declared))}; "
        f"only declared: {sorted(set(declared) - set(in_file))}; or the order differs")


def test_the_section_dataclasses_have_one_field_per_declared_assumption():
    from dataclasses import fields

    assert [f.name for f in fields(assumptions.WinBackAssumptions)] == [
        "gross_margin", "cost_per_contact", "fixed_cost", "incentive_per_reactivated", "value_basis", "success_rates",
        "campaign_window_months", "sensitivity_success_rates", "sensitivity_costs_per_contact", "uncertainty"]
    assert [f.name for f in fields(assumptions.WelcomeSeriesAssumptions)] == [
        "tiny_cohort_share", "new_customers_per_month", "new_customers_window_months", "improvements", "value_basis",
        "value_per_customer", "gross_margin", "incentive_per_retained", "fixed_cost_per_month",
        "sensitivity_improvements", "sensitivity_value_factors", "uncertainty"]
    assert [f.name for f in fields(assumptions.MonteCarloSettings)] == ["runs", "seed"]
    loaded = load_assumptions()
    assert isinstance(loaded.win_back, assumptions.WinBackAssumptions)
    with pytest.raises(AttributeError):
        loaded.win_back.gross_margin = 0.5  # frozen


def test_declared_flags_become_overrides():
    import argparse

    from customer_intel.roi.assumptions.flags import add_flags, overrides_from

    parser = argparse.ArgumentParser()
    add_flags(parser)
    assert overrides_from(parser.parse_args([])) == {}
    assert overrides_from(parser.parse_args(["--gross-margin", "0.3", "--success-rates", "0.01,0.04"])) == {
        "win_back.gross_margin": 0.3, "welcome_series.gross_margin": 0.3, "win_back.success_rates": [0.01, 0.04]}
    # a fixed value per customer implies value_basis fixed, whatever --value-basis says
    assert overrides_from(parser.parse_args(["--value-basis", "avg_order_value", "--value-per-customer", "80"])) == {
        "welcome_series.value_basis": "fixed", "welcome_series.value_per_customer": 80.0}
    assert overrides_from(parser.parse_args(["--runs", "200", "--seed", "3"])) == {
        "monte_carlo.runs": 200, "monte_carlo.seed": 3}
    with pytest.raises(SystemExit):
        parser.parse_args(["--runs", "many"])


def test_the_campaign_window_is_the_dbt_var_and_cannot_be_set_here():
    from customer_intel.profile import project_var

    assert assumptions.load_assumptions(None).win_back.campaign_window_months == project_var("campaign_window_months")
    with pytest.raises(RoiError) as error:
        assumptions.load_assumptions(None, {"win_back.campaign_window_months": 2})
    assert str(error.value) == ("assumptions: win_back.campaign_window_months is the dbt var campaign_window_months, "
                                "which the dbt models read too: set it in dbt_project.yml, not here")


@pytest.mark.parametrize("share, ok", [(0.0, True), (0.1, True), (0.5, True), (1.0, False), (-0.1, False)])
def test_the_control_share_is_a_fraction_below_one(share, ok):
    if ok:
        assert assumptions.load_assumptions(None, {"experiment.control_share": share}).experiment.control_share == share
    else:
        with pytest.raises(RoiError, match="experiment.control_share"):
            assumptions.load_assumptions(None, {"experiment.control_share": share})
