# Two commands for users:  make demo   (the whole job on embedded DuckDB; prints where the results are)
#                          make test   (the whole test suite, as CI runs it)
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
DBT := $(VENV)/bin/dbt
STAMP := $(VENV)/.installed

# Which dbt target to run on (profiles.yml): duckdb (default) or postgres.
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

.PHONY: demo test venv data load build roi docs lint clean

venv: $(STAMP) profiles.yml

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e ".[dev]"
	touch $@

profiles.yml:
	cp profiles.yml.example profiles.yml

data: venv
	@if [ ! -f "$(OLIST_DATA_DIR)/olist_orders_dataset.csv" ]; then \
		echo "No Olist files in $(OLIST_DATA_DIR): generating $(ORDERS) orders (seed $(SEED))"; \
		$(PY) scripts/generate_data.py --orders $(ORDERS) --seed $(SEED) --out $(OLIST_DATA_DIR); \
	fi

load: data
	$(PY) scripts/load_data.py --data-dir $(OLIST_DATA_DIR) --target $(TARGET)

build: venv
	$(DBT) build --target $(TARGET)

roi: venv
	$(PY) scripts/roi.py --target $(TARGET) --out output

demo: load build roi
	@echo
	@echo "Done. Warehouse target: $(TARGET)$(if $(filter duckdb,$(TARGET)), (file $${DUCKDB_PATH:-warehouse/olist.duckdb})),"
	@echo "marts in schema analytics, business cases and charts in output/, report: output/report.html"

docs: venv
	$(DBT) docs generate --target $(TARGET)
	@echo "Run '$(DBT) docs serve' to browse the lineage graph and column docs."

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/sqlfluff lint models analyses

test: venv lint
	$(VENV)/bin/pytest

clean:
	rm -rf target logs output warehouse data/generated
