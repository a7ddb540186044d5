# Two commands for users:  make demo   (the whole job on embedded DuckDB; prints where the results are)
#                          make test   (the whole test suite, as CI runs it)
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
DBT := $(VENV)/bin/dbt
STAMP := $(VENV)/.installed
SPARK_STAMP := $(VENV)/.installed-spark

# Which dbt target to run on (profiles.yml): duckdb (default), postgres or spark (installs the spark extra).
TARGET ?= duckdb
# Where the nine Olist CSV files are. Put the real Kaggle files in data/raw (or point OLIST_DATA_DIR at them);
# without them, `make demo` generates Olist-format data of the real size into data/generated.
OLIST_DATA_DIR ?= $(if $(wildcard data/raw/olist_orders_dataset.csv),data/raw,data/generated)
ORDERS ?= 99441
SEED ?= 42

export DBT_TARGET := $(TARGET)
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
# .env (see .env.example) holds the PostgreSQL settings the profile reads.
ifneq (,$(wildcard .env))
include .env
export
endif

# PostgreSQL without a server to install: with TARGET=postgres and no server configured (no POSTGRES_HOST,
# POSTGRES_PORT or POSTGRES_PASSWORD in the environment or .env), the steps run against an embedded PostgreSQL
# (customer_intel/embedded_pg.py) whose data lives in $(EMBEDDED_PG); it is started on first use, reused after, and
# keeps running until `make pg-stop` (or `make clean`).
EMBEDDED_PG ?= warehouse/postgres
ifeq ($(TARGET)|$(POSTGRES_HOST)$(POSTGRES_PORT)$(POSTGRES_PASSWORD),postgres|)
WITH_PG := $(PY) -m customer_intel.embedded_pg exec $(EMBEDDED_PG) --
endif

.PHONY: demo test test-spark venv data load build roi predictions-test docs lint metadata clean bench bench-smoke \
	pg-stop

venv: $(STAMP) profiles.yml $(if $(filter spark,$(TARGET)),$(SPARK_STAMP))
	@# DuckDB creates its file but not the folder (dbt, the loader and sqlfluff's dbt templater all open it).
	@mkdir -p "$(dir $(or $(DUCKDB_PATH),warehouse/olist.duckdb))"

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e ".[dev]"
	touch $@

# The optional Spark target: PySpark and dbt-spark (Java 17 must be installed).
$(SPARK_STAMP): $(STAMP)
	$(VENV)/bin/pip install --quiet -e ".[dev,spark]"
	touch $@

profiles.yml:
	cp profiles.yml.example profiles.yml

data: venv
	@if [ ! -f "$(OLIST_DATA_DIR)/olist_orders_dataset.csv" ]; then \
		echo "No Olist files in $(OLIST_DATA_DIR): generating $(ORDERS) orders (seed $(SEED))"; \
		$(PY) scripts/generate_data.py --orders $(ORDERS) --seed $(SEED) --out $(OLIST_DATA_DIR); \
	fi

load: data
	$(WITH_PG) $(PY) scripts/load_data.py --data-dir $(OLIST_DATA_DIR) --target $(TARGET)

build: venv
	$(WITH_PG) $(DBT) build --target $(TARGET)

roi: venv
	$(WITH_PG) $(PY) scripts/roi.py --target $(TARGET) --out output

# The predictions roi.py writes back (source `predictions`): their dbt tests, which a plain `dbt build` leaves out
# (selectors.yml) because the table exists only once roi.py has run.
predictions-test: venv
	$(WITH_PG) $(DBT) test --target $(TARGET) --select source:predictions

demo: load build roi predictions-test
	@echo
	@echo "Done. Warehouse target: $(TARGET)$(if $(filter duckdb,$(TARGET)), (file $${DUCKDB_PATH:-warehouse/olist.duckdb}))$(if $(WITH_PG), (embedded PostgreSQL in $(EMBEDDED_PG); stop it with 'make pg-stop')),"
	@echo "marts in schema analytics, per-person predictions in $$($(PY) -c 'from customer_intel.profile import project_var; print(project_var("predictions_schema"))').customer_predictions,"
	@echo "business cases and charts in output/, report: output/report.html"

docs: venv
	$(WITH_PG) $(DBT) docs generate --target $(TARGET)
	@echo "Run '$(DBT) docs serve' to browse the lineage graph and column docs."

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/sqlfluff lint models analyses

# dbt metadata: dbt-score (owners, descriptions, tests) must score the project at least 9.5 / 10. Descriptions of
# every model, seed and column are checked by pytests/test_dbt_metadata.py (dbt-coverage on a real build's catalog).
metadata: venv
	$(DBT) parse --target $(TARGET) --quiet
	$(VENV)/bin/dbt-score lint --manifest target/manifest.json --fail-project-under 9.5 --show failing-items

test: venv lint metadata
	$(VENV)/bin/pytest

# The Spark suite on a small generated dataset: load, dbt build and roi.py on Spark, marts equal to DuckDB's.
test-spark: venv $(SPARK_STAMP)
	@command -v java >/dev/null || { echo "test-spark: Spark needs Java 17 (java not found)"; exit 2; }
	$(VENV)/bin/pytest -m spark

# Benchmarks (benchmarks/README.md): cost of load, dbt build and roi.py at 1×, 10× and 50× Olist's orders on DuckDB
# and PostgreSQL, beside the pandas approach this project replaces and a one-query DuckDB limit; prints the ratio
# table, writes benchmarks/results/*.csv. PostgreSQL comes from the profile's postgres target (POSTGRES_*), or, when
# that does not answer, an embedded PostgreSQL started for the run and stopped at its end; the
# benchmark creates and drops its own databases (BENCH_POSTGRES_DB, default olist_bench, and <name>_pandas).
# At each size and engine it also measures the monthly refresh (a build on the files cut one month before the end,
# then today's files: `dbt build` beside `dbt build --full-refresh`). `make bench` takes over an hour and copies its
# tables into benchmarks/README.md; `make bench-smoke` (CI) runs the same steps at 0.05× and 0.1× in a few minutes
# and fails only if a step fails, results disagree or the refresh differs from the full refresh.
bench: venv
	$(PY) benchmarks/bench.py --preset full --update-readme $(BENCH_ARGS)

bench-smoke: venv
	$(VENV)/bin/pytest -q -p no:cacheprovider benchmarks/test_bench.py
	$(PY) benchmarks/bench.py --preset smoke $(BENCH_ARGS)

pg-stop:
	@if [ -d "$(EMBEDDED_PG)/data" ]; then $(PY) -m customer_intel.embedded_pg stop $(EMBEDDED_PG); fi

clean: pg-stop
	rm -rf target logs output warehouse data/generated
