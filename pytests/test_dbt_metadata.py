"""Every model, seed and column the build creates is described: dbt-coverage over the catalog of a real build (so a
column the SQL creates but the YAML does not declare counts as undescribed), plus the model and seed descriptions
from the manifest. The checks are also shown to fail when a description is missing."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PROJECT_ROOT, run_dbt

pytestmark = pytest.mark.slow

DBT_COVERAGE = str(Path(sys.executable).parent / "dbt-coverage")
# Sources are the raw files as loaded; their columns are the files' own and described in the loader.
SOURCES_YML = "models/staging/olist/_olist__sources.yml"


@pytest.fixture(scope="module")
def artifacts(built_warehouses, tmp_path_factory) -> Path:
    """manifest.json and catalog.json of `dbt docs generate` on the DuckDB build."""
    proc, env = built_warehouses["duckdb", "tie_aware"]
    assert proc.returncode == 0, proc.stdout[-2000:]
    workdir = tmp_path_factory.mktemp("docs")
    docs = run_dbt(env, "docs", "generate", workdir=workdir)
    assert docs.returncode == 0, docs.stdout[-2000:]
    return workdir / "target"


def column_coverage(artifacts_dir: Path, report: Path) -> subprocess.CompletedProcess:
    """dbt-coverage's documentation coverage of the models' and seeds' columns, failing under 100 %."""
    return subprocess.run(
        [DBT_COVERAGE, "compute", "doc", "--project-dir", str(PROJECT_ROOT), "--run-artifacts-dir", str(artifacts_dir),
         "--cov-report", str(report), "--model-path-exclusion-filter", SOURCES_YML, "--cov-fail-under", "1.0"],
        capture_output=True, text=True,
    )


def undescribed_nodes(manifest: dict) -> list[str]:
    """Models and seeds of the project without a description."""
    return sorted(
        node["unique_id"] for node in manifest["nodes"].values()
        if node["resource_type"] in ("model", "seed") and node["package_name"] == "customer_intel"
        and not (node.get("description") or "").strip()
    )


def test_every_column_is_described(artifacts, tmp_path):
    proc = column_coverage(artifacts, tmp_path / "coverage.json")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    report = json.loads((tmp_path / "coverage.json").read_text())
    assert report["covered"] == report["total"] > 200
    assert any(table["name"].endswith("win_back_targets") for table in report["tables"])


def test_every_model_and_seed_is_described(artifacts):
    manifest = json.loads((artifacts / "manifest.json").read_text())
    assert undescribed_nodes(manifest) == []


def test_the_checks_fail_on_a_missing_description(artifacts, tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    shutil.copy(artifacts / "catalog.json", broken / "catalog.json")
    manifest = json.loads((artifacts / "manifest.json").read_text())
    clv = manifest["nodes"]["model.customer_intel.clv"]
    clv["columns"]["revenue"]["description"] = ""
    clv["description"] = ""
    (broken / "manifest.json").write_text(json.dumps(manifest))

    proc = column_coverage(broken, tmp_path / "coverage.json")
    assert proc.returncode != 0
    assert "lower than min required coverage" in proc.stdout + proc.stderr
    assert undescribed_nodes(manifest) == ["model.customer_intel.clv"]
