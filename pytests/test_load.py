"""The loader (scripts/load_data.py → customer_intel.load) against real warehouses and hand-made Olist files.

Expected numbers come from the hand-made files themselves or from an independent count with Python's csv module,
never from the loader's output.
"""
from __future__ import annotations

import csv
import hashlib
import io
import os
import signal
import subprocess
import tempfile
from datetime import datetime
from pathlib import Path

import pandas as pd
import psycopg2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import PROJECT_ROOT, PYTHON, query_warehouse, run_script
from customer_intel.load import RecordScanner
from customer_intel.olist_files import BY_FILE_NAME, CAMPAIGN_CONTACTS_FILE, OLIST_FILES

CUSTOMERS = "olist_customers_dataset.csv"
GEOLOCATION = "olist_geolocation_dataset.csv"
ITEMS = "olist_order_items_dataset.csv"
PAYMENTS = "olist_order_payments_dataset.csv"
REVIEWS = "olist_order_reviews_dataset.csv"
ORDERS = "olist_orders_dataset.csv"
PRODUCTS = "olist_products_dataset.csv"
SELLERS = "olist_sellers_dataset.csv"
TRANSLATION = "product_category_name_translation.csv"
CAMPAIGN = "campaign_contacts.csv"  # the optional tenth file
CAMPAIGN_HEADER = "campaign_id,customer_unique_id,group,contacted_at"

REVIEW_R1_MESSAGE = (
    "Não testei o produto ainda, mas ele veio correto e em boas condições.\n"
    "Apenas a caixa que veio bem amassada, o que ficará \"chato\", pois é um presente."
)
REVIEW_R3_MESSAGE = 'linha 1\nlinha 2, com vírgula\n"fim"'

# Kaggle-style copies: quoted header names, some quoted values, zip prefixes with leading zeros, multi-line quoted
# review texts with commas and quotes, and a translation file with a byte-order mark and CRLF line endings.
KAGGLE_FILES = {
    CUSTOMERS: (
        '"customer_id","customer_unique_id","customer_zip_code_prefix","customer_city","customer_state"\n'
        '"c1","u1","01529","sao paulo","SP"\n'
        'c2,u2,"14409",franca,SP\n'
        '"c3",u1,01310,"são paulo",SP\n'
        'c4,u3,22041,rio de janeiro,RJ\n'
    ),
    GEOLOCATION: (
        '"geolocation_zip_code_prefix","geolocation_lat","geolocation_lng","geolocation_city","geolocation_state"\n'
        '"01037",-23.54562128115268,-46.63929204800168,sao paulo,SP\n'
        '01046,-23.546081127035535,-46.64482029837157,"sao paulo",SP\n'
        '14409,-20.5,-47.4,franca,SP\n'
    ),
    ORDERS: (
        '"order_id","customer_id","order_status","order_purchase_timestamp","order_approved_at",'
        '"order_delivered_carrier_date","order_delivered_customer_date","order_estimated_delivery_date"\n'
        'o1,c1,delivered,2017-10-02 10:56:33,2017-10-02 11:07:15,2017-10-04 19:55:00,2017-10-10 21:25:13,'
        '2017-10-18 00:00:00\n'
        '"o2","c2","canceled","2018-07-24 20:41:37",,,,"2018-08-13 00:00:00"\n'
        'o3,c3,delivered,2018-08-08 08:38:49,2018-08-08 08:55:23,2018-08-08 13:50:00,2018-08-17 18:06:29,'
        '2018-09-04 00:00:00\n'
        'o4,c4,shipped,2018-08-15 10:10:18,2018-08-15 10:30:00,2018-08-16 14:00:00,,2018-08-29 00:00:00\n'
    ),
    ITEMS: (
        '"order_id","order_item_id","product_id","seller_id","shipping_limit_date","price","freight_value"\n'
        'o1,1,p1,s1,2017-10-06 11:07:15,29.99,8.72\n'
        'o3,1,p2,s2,2018-08-13 08:55:23,118.70,22.76\n'
        'o3,2,p2,s2,2018-08-13 08:55:23,118.70,22.76\n'
        '"o4","1","p3","s1","2018-08-22 19:45:59","159.90","19.22"\n'
    ),
    PAYMENTS: (
        '"order_id","payment_sequential","payment_type","payment_installments","payment_value"\n'
        'o1,1,credit_card,1,18.12\n'
        'o1,3,voucher,1,2.00\n'
        'o1,2,voucher,1,18.59\n'
        'o3,1,boleto,1,283.16\n'
        'o4,1,credit_card,3,179.12\n'
    ),
    REVIEWS: (
        '"review_id","order_id","review_score","review_comment_title","review_comment_message",'
        '"review_creation_date","review_answer_timestamp"\n'
        'r1,o1,4,,"' + REVIEW_R1_MESSAGE.replace('"', '""') + '",2017-10-11 00:00:00,2017-10-12 03:43:48\n'
        '"r2","o3","5","recomendo","Chegou antes do prazo",2018-08-18 00:00:00,2018-08-20 10:00:00\n'
        'r3,o4,1,,,2018-08-30 00:00:00,2018-09-01 12:00:00\n'
        'r3,o2,2,"Ruim","' + REVIEW_R3_MESSAGE.replace('"', '""') + '",2018-08-01 00:00:00,2018-08-02 00:00:00\n'
    ),
    PRODUCTS: (
        '"product_id","product_category_name","product_name_lenght","product_description_lenght",'
        '"product_photos_qty","product_weight_g","product_length_cm","product_height_cm","product_width_cm"\n'
        'p1,perfumaria,40,287,1,225,16,10,14\n'
        'p2,,,,,700,25,13,20\n'
        'p3,pc_gamer,44,595,2,1500,30,20,25\n'
    ),
    SELLERS: (
        '"seller_id","seller_zip_code_prefix","seller_city","seller_state"\n'
        's1,"13023",campinas,SP\n'
        's2,04195,sao paulo,SP\n'
    ),
    TRANSLATION: (
        '\ufeff"product_category_name","product_category_name_english"\r\n'
        'beleza_saude,health_beauty\r\n'
        'perfumaria,perfumery\r\n'
    ),
}


def write_files(folder: Path, files: dict[str, str | bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        data = content if isinstance(content, bytes) else content.encode("utf-8")
        (folder / name).write_bytes(data)
    return folder


def csv_records(path: Path) -> int:
    """Data records in a file, counted with the csv module (blank lines are not records)."""
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return sum(1 for row in csv.reader(fh) if row) - 1


def load(data_dir: Path, env: dict, check: bool = True) -> subprocess.CompletedProcess:
    return run_script("load_data.py", "--data-dir", str(data_dir), env=env, check=check)


def table_counts(env: dict) -> dict[str, int]:
    return {spec.table_name: query_warehouse(env, f"select count(*) from raw.{spec.table_name}")[0][0]
            for spec in OLIST_FILES}


def warehouse_state(env: dict) -> tuple:
    """What a failed or killed load must leave untouched."""
    return (
        table_counts(env),
        query_warehouse(env, "select order_id, order_status from raw.orders order by order_id"),
        query_warehouse(env, "select load_id, file_name, rows_read, rows_loaded, rows_rejected, sha256 "
                             "from raw.load_audit order by load_id, file_name"),
        query_warehouse(env, "select count(*) from raw.load_rejects"),
    )


@pytest.fixture
def kaggle_dir(tmp_path) -> Path:
    return write_files(tmp_path / "kaggle", KAGGLE_FILES)


@pytest.fixture
def pandas_dir(tmp_path, kaggle_dir) -> Path:
    """The Kaggle-style files after a round trip through pandas: zip prefixes as integers, 44.0, minimal quoting."""
    out = tmp_path / "pandas"
    out.mkdir()
    for spec in OLIST_FILES:
        pd.read_csv(kaggle_dir / spec.file_name).to_csv(out / spec.file_name, index=False)
    return out


# ---------------------------------------------------------------------------------------------------------------
# Accepting real-world layouts
# ---------------------------------------------------------------------------------------------------------------

def test_kaggle_style_files_load_exactly(warehouse_env, kaggle_dir):
    proc = load(kaggle_dir, warehouse_env)
    assert proc.stderr == ""
    assert table_counts(warehouse_env) == {spec.table_name: csv_records(kaggle_dir / spec.file_name)
                                           for spec in OLIST_FILES}
    assert query_warehouse(warehouse_env, "select count(*) from raw.load_rejects") == [(0,)]
    query = lambda sql: query_warehouse(warehouse_env, sql)  # noqa: E731
    assert query("select customer_id, customer_zip_code_prefix, customer_city from raw.customers "
                 "order by customer_id") == [("c1", "01529", "sao paulo"), ("c2", "14409", "franca"),
                                             ("c3", "01310", "são paulo"), ("c4", "22041", "rio de janeiro")]
    assert query("select review_comment_message from raw.order_reviews where review_id = 'r1'") == [
        (REVIEW_R1_MESSAGE,)]
    assert query("select review_comment_title, review_comment_message from raw.order_reviews "
                 "where order_id = 'o2'") == [("Ruim", REVIEW_R3_MESSAGE)]
    assert query("select review_comment_title, review_comment_message from raw.order_reviews "
                 "where order_id = 'o4'") == [(None, None)]
    assert query("select order_approved_at, order_estimated_delivery_date from raw.orders where order_id = 'o2'") == [
        (None, datetime(2018, 8, 13))]
    assert query("select product_category_name, product_name_lenght, product_weight_g from raw.products "
                 "order by product_id") == [("perfumaria", 40.0, 225.0), (None, None, 700.0),
                                            ("pc_gamer", 44.0, 1500.0)]
    assert query("select product_category_name, product_category_name_english "
                 "from raw.product_category_name_translation order by 1") == [
        ("beleza_saude", "health_beauty"), ("perfumaria", "perfumery")]
    assert query("select geolocation_lat from raw.geolocation where geolocation_zip_code_prefix = '01046'") == [
        (-23.546081127035535,)]


def test_pandas_style_copies_load_without_rejects(warehouse_env, pandas_dir):
    # the round trip really did what pandas does to these files
    assert "\nc1,u1,1529,sao paulo,SP\n" in (pandas_dir / CUSTOMERS).read_text()
    assert "p1,perfumaria,40.0,287.0,1.0,225" in (pandas_dir / PRODUCTS).read_text()
    load(pandas_dir, warehouse_env)
    query = lambda sql: query_warehouse(warehouse_env, sql)  # noqa: E731
    assert table_counts(warehouse_env) == {spec.table_name: csv_records(pandas_dir / spec.file_name)
                                        for spec in OLIST_FILES}
    assert query("select count(*) from raw.load_rejects") == [(0,)]
    assert query("select customer_zip_code_prefix from raw.customers order by customer_id") == [
        ("1529",), ("14409",), ("1310",), ("22041",)]
    assert query("select seller_zip_code_prefix from raw.sellers order by seller_id") == [("13023",), ("4195",)]
    assert query("select product_name_lenght, product_photos_qty from raw.products order by product_id") == [
        (40.0, 1.0), (None, None), (44.0, 2.0)]
    assert query("select review_comment_message from raw.order_reviews where review_id = 'r1'") == [
        (REVIEW_R1_MESSAGE,)]


def test_header_only_file_loads_an_empty_table(duckdb_env, kaggle_dir):
    (kaggle_dir / GEOLOCATION).write_text(KAGGLE_FILES[GEOLOCATION].splitlines()[0] + "\n")
    load(kaggle_dir, duckdb_env)
    assert table_counts(duckdb_env)["geolocation"] == 0
    assert query_warehouse(duckdb_env, "select rows_read, rows_loaded, rows_rejected from raw.load_audit "
                                       f"where file_name = '{GEOLOCATION}'") == [(0, 0, 0)]


def test_columns_in_another_order_are_matched_by_name(duckdb_env, kaggle_dir):
    (kaggle_dir / SELLERS).write_text("seller_state,seller_city,seller_zip_code_prefix,seller_id\n"
                                      "SP,campinas,13023,s1\n")
    load(kaggle_dir, duckdb_env)
    assert query_warehouse(duckdb_env, "select * from raw.sellers") == [("s1", "13023", "campinas", "SP")]


# ---------------------------------------------------------------------------------------------------------------
# Files that cannot be loaded: one line, exit 2, warehouse unchanged
# ---------------------------------------------------------------------------------------------------------------

def _remove_column(text: str, column: str) -> str:
    rows = list(csv.reader(text.splitlines()))
    index = rows[0].index(column)
    return "\n".join(",".join(value for i, value in enumerate(row) if i != index) for row in rows) + "\n"


CAMPAIGN_LATIN1 = (CAMPAIGN_HEADER + "\nw,u1,treatment,2018-09-01 10:00:00\npromoção,u2,control,2018-09-01 10:00:00\n"
                   ).encode("latin-1")
BROKEN_INPUTS = {
    "missing file": (
        lambda folder: (folder / SELLERS).unlink(),
        lambda folder: f"file not found in {folder}", SELLERS,
    ),
    "missing column": (
        lambda folder: (folder / ORDERS).write_text(_remove_column(KAGGLE_FILES[ORDERS], "order_approved_at")),
        lambda folder: "header: missing column 'order_approved_at'", ORDERS,
    ),
    "unexpected column": (
        lambda folder: (folder / SELLERS).write_text(
            "Unnamed: 0,seller_id,seller_zip_code_prefix,seller_city,seller_state,seller_rank\n"
            "0,s1,13023,campinas,SP,1\n"),
        lambda folder: "header: unexpected columns 'Unnamed: 0', 'seller_rank'", SELLERS,
    ),
    "missing and unexpected column": (
        lambda folder: (folder / TRANSLATION).write_text(
            "product_category_name,product_category_name_en\nperfumaria,perfumery\n"),
        lambda folder: ("header: missing column 'product_category_name_english'; "
                        "unexpected column 'product_category_name_en'"), TRANSLATION,
    ),
    "not UTF-8": (
        # line 4 of the customers file in Latin-1: 'são paulo' with the byte 0xe3
        lambda folder: (folder / CUSTOMERS).write_bytes(KAGGLE_FILES[CUSTOMERS].encode("latin-1")),
        lambda folder: "not UTF-8 at line 4, byte offset {} (0xe3)".format(
            KAGGLE_FILES[CUSTOMERS].encode("latin-1").index(b"\xe3")), CUSTOMERS,
    ),
    "UTF-16 file": (
        lambda folder: (folder / SELLERS).write_bytes(KAGGLE_FILES[SELLERS].encode("utf-16-le")),
        lambda folder: "NUL byte at line 1, byte offset 1 (UTF-16? save as UTF-8)", SELLERS,
    ),
    "NUL byte": (
        # line 3 of the orders file: valid UTF-8 that PostgreSQL could not store
        lambda folder: (folder / ORDERS).write_text(KAGGLE_FILES[ORDERS].replace("canceled", "cancel\x00ed")),
        lambda folder: "NUL byte at line 3, byte offset {} (UTF-16? save as UTF-8)".format(
            KAGGLE_FILES[ORDERS].index("canceled") + len("cancel")), ORDERS,
    ),
    "empty file": (
        lambda folder: (folder / PAYMENTS).write_bytes(b""),
        lambda folder: "empty file (no header line)", PAYMENTS,
    ),
    "byte-order mark only": (
        lambda folder: (folder / TRANSLATION).write_bytes(b"\xef\xbb\xbf"),
        lambda folder: "empty file (no header line)", TRANSLATION,
    ),
    # the optional campaign file, when it is there, is checked like the nine
    "campaign file not UTF-8": (
        # line 3 in Latin-1: 'promoção' with the byte 0xe7
        lambda folder: (folder / CAMPAIGN).write_bytes(CAMPAIGN_LATIN1),
        lambda folder: "not UTF-8 at line 3, byte offset {} (0xe7)".format(CAMPAIGN_LATIN1.index(b"\xe7")), CAMPAIGN,
    ),
    "campaign file empty": (
        lambda folder: (folder / CAMPAIGN).write_bytes(b""),
        lambda folder: "empty file (no header line)", CAMPAIGN,
    ),
}


@pytest.mark.parametrize("case", BROKEN_INPUTS)
def test_broken_input_is_refused_and_warehouse_unchanged(case, duckdb_env, kaggle_dir, tmp_path):
    load(kaggle_dir, duckdb_env)
    before = warehouse_state(duckdb_env)
    broken = write_files(tmp_path / "broken", KAGGLE_FILES)
    break_it, problem, file_name = BROKEN_INPUTS[case]
    break_it(broken)
    proc = load(broken, duckdb_env, check=False)
    assert proc.returncode == 2
    assert proc.stderr == f"load_data: {file_name}: {problem(broken)}\n"
    assert proc.stdout == ""
    assert warehouse_state(duckdb_env) == before


SELLERS_HEADER = "seller_id,seller_zip_code_prefix,seller_city,seller_state"
UNPARSEABLE_FILES = {
    # DuckDB cannot read a file whose records end in both CRLF and LF
    "mixed line endings": (
        SELLERS_HEADER + "\ns1,13023,campinas,SP\r\ns2,04195,sao paulo,SP\r\n",
        "DuckDB: Invalid Input Error: The CSV Parser state machine reached an invalid state. "
        "(the file mixes CRLF and LF line endings)",
    ),
    # a quote after a space is a literal for the csv module (two records); DuckDB rejects one record swallowing both
    "ambiguous quoting": (
        SELLERS_HEADER + '\ns1, "13023,campinas,SP\ns2,04195,sao paulo,SP\n',
        "record count 2 but DuckDB loaded 0 and rejected 1; not loading: the two parsers disagree on where "
        "records end (a stray quote?)",
    ),
}


@pytest.mark.parametrize("case", UNPARSEABLE_FILES)
def test_file_that_parses_ambiguously_is_refused(case, warehouse_env, kaggle_dir, tmp_path):
    load(kaggle_dir, warehouse_env)
    before = warehouse_state(warehouse_env)
    content, problem = UNPARSEABLE_FILES[case]
    broken = write_files(tmp_path / "broken", {**KAGGLE_FILES, SELLERS: content})
    proc = load(broken, warehouse_env, check=False)
    assert (proc.returncode, proc.stderr) == (2, f"load_data: {SELLERS}: {problem}\n")
    assert "committed" not in proc.stdout
    assert warehouse_state(warehouse_env) == before


@pytest.mark.postgres
def test_broken_input_leaves_postgres_unchanged(postgres_env, kaggle_dir, tmp_path):
    load(kaggle_dir, postgres_env)
    before = warehouse_state(postgres_env)
    broken = write_files(tmp_path / "broken", KAGGLE_FILES)
    (broken / REVIEWS).write_text(_remove_column(KAGGLE_FILES[REVIEWS], "review_score"))
    proc = load(broken, postgres_env, check=False)
    assert (proc.returncode, proc.stderr) == (2, f"load_data: {REVIEWS}: header: missing column 'review_score'\n")
    assert warehouse_state(postgres_env) == before


def test_missing_data_directory(duckdb_env, tmp_path):
    proc = load(tmp_path / "nowhere", duckdb_env, check=False)
    assert (proc.returncode, proc.stderr) == (2, f"load_data: data directory {tmp_path / 'nowhere'} does not exist\n")


def test_unknown_target(duckdb_env, kaggle_dir):
    proc = run_script("load_data.py", "--data-dir", str(kaggle_dir), "--target", "nope", env=duckdb_env, check=False)
    assert proc.returncode == 2
    assert proc.stderr.startswith("load_data: profile: unknown target 'nope' (known targets: ")
    assert proc.stderr.count("\n") == 1


def test_unreachable_postgres_is_one_line(kaggle_dir):
    env = os.environ.copy()
    env.update({"DBT_TARGET": "postgres", "POSTGRES_HOST": "127.0.0.1", "POSTGRES_PORT": "1"})
    proc = load(kaggle_dir, env, check=False)
    assert proc.returncode == 2
    assert proc.stderr.startswith("load_data: cannot connect to PostgreSQL ")
    assert "@127.0.0.1:1/" in proc.stderr
    assert proc.stderr.count("\n") == 1


# ---------------------------------------------------------------------------------------------------------------
# Rows that do not parse: counted in raw.load_rejects, never dropped
# ---------------------------------------------------------------------------------------------------------------

BAD_ITEMS = (
    "order_id,order_item_id,product_id,seller_id,shipping_limit_date,price,freight_value\n"  # line 1
    "o1,1,p1,s1,2017-10-06 11:07:15,29.99,8.72\n"                                           # line 2
    "o3,1,p2,s2,2018-08-13 08:55:23\n"                                                      # line 3: too few
    "o3,2,p2,s2,2018-08-13 08:55:23,118.70,22.76\n"                                         # line 4
    "\n"                                                                                     # line 5: blank
    "o4,1,p3,s1,2018-08-22 19:45:59,abc,19.22\n"                                            # line 6: price
    "o4,2,p3,s1,22/08/2018 19:45,159.90,19.22\n"                                            # line 7: timestamp
    "o4,3,p3,s1,2018-08-22 19:45:59,159.90,19.22,extra\n"                                   # line 8: too many
)
# review records 1-4; a multi-line record shifts physical lines: the bad records start on lines 4 and 8
BAD_REVIEWS = (
    "review_id,order_id,review_score,review_comment_title,review_comment_message,review_creation_date,"
    "review_answer_timestamp\n"
    'r1,o1,4,,"Muito bom,\nchegou rápido",2017-10-11 00:00:00,2017-10-12 03:43:48\n'
    "r2,o3,five,,,2018-08-18 00:00:00,2018-08-20 10:00:00\n"
    'r3,o4,1,,"um\n""dois""\ntrês",2018-08-30 00:00:00,2018-09-01 12:00:00\n'
    'r4,o2,"3,5",,,2018-08-01 00:00:00,2018-08-02 00:00:00\n'
)
# an unterminated quote on the last record swallows the rest of the file into one rejected record
BAD_SELLERS = (
    "seller_id,seller_zip_code_prefix,seller_city,seller_state\n"
    "s1,13023,campinas,SP\n"
    's2,"04195,sao paulo,SP\n'
)
CAST = "CAST: Error when converting column \"{}\". Could not convert string \"{}\" to '{}'"
EXPECTED_REJECTS = [
    (ITEMS, 3, "o3,1,p2,s2,2018-08-13 08:55:23", "MISSING COLUMNS: Expected Number of Columns: 7 Found: 5"),
    (ITEMS, 6, "o4,1,p3,s1,2018-08-22 19:45:59,abc,19.22", CAST.format("price", "abc", "DOUBLE")),
    (ITEMS, 7, "o4,2,p3,s1,22/08/2018 19:45,159.90,19.22",
     CAST.format("shipping_limit_date", "22/08/2018 19:45", "TIMESTAMP")),
    (ITEMS, 8, "o4,3,p3,s1,2018-08-22 19:45:59,159.90,19.22,extra",
     "TOO MANY COLUMNS: Expected Number of Columns: 7 Found: 8"),
    (REVIEWS, 4, "r2,o3,five,,,2018-08-18 00:00:00,2018-08-20 10:00:00", CAST.format("review_score", "five", "DOUBLE")),
    (REVIEWS, 8, 'r4,o2,"3,5",,,2018-08-01 00:00:00,2018-08-02 00:00:00',
     CAST.format("review_score", "3,5", "DOUBLE")),
    (SELLERS, 3, 's2,"04195,sao paulo,SP', "UNQUOTED VALUE: Value with unterminated quote found."),
]


@pytest.fixture
def rejects_dir(tmp_path) -> Path:
    return write_files(tmp_path / "rejects", {**KAGGLE_FILES, ITEMS: BAD_ITEMS, REVIEWS: BAD_REVIEWS,
                                              SELLERS: BAD_SELLERS})


def test_unparseable_rows_are_rejected_with_line_and_reason(warehouse_env, rejects_dir):
    proc = load(rejects_dir, warehouse_env)
    assert proc.stderr.startswith("load_data: warning: 7 rows rejected; see raw.load_rejects where load_id = ")
    rejects = query_warehouse(warehouse_env, "select file_name, line_number, raw_text, reason from raw.load_rejects "
                                             "order by file_name, line_number")
    assert [(f, line, text.rstrip("\n"), reason) for f, line, text, reason in rejects] == EXPECTED_REJECTS
    audit = {row[0]: row[1:] for row in query_warehouse(
        warehouse_env, "select file_name, rows_read, rows_loaded, rows_rejected from raw.load_audit")}
    counts = table_counts(warehouse_env)
    for spec in OLIST_FILES:
        records = csv_records(rejects_dir / spec.file_name)
        rejected = sum(1 for f, *_ in EXPECTED_REJECTS if f == spec.file_name)
        assert audit[spec.file_name] == (records, records - rejected, rejected)
        assert counts[spec.table_name] == records - rejected
    assert query_warehouse(warehouse_env, "select order_id, order_item_id, price from raw.order_items "
                                          "order by 1, 2") == [("o1", 1.0, 29.99), ("o3", 2.0, 118.70)]


# The loader's own record count (a byte scanner, fast) must agree with the csv module, on well-formed CSV and on
# stray quotes, blank lines and every kind of line break, however the bytes are cut into chunks; so must the numbers
# it gives blank lines (csv's empty rows).
CSV_PIECES = ["a", "é", " ", ",", '"', '""', "\n", "\r\n", "\r", '"x,\ny"', '"x\r\ny"']


@settings(max_examples=400, deadline=None)
@given(pieces=st.lists(st.sampled_from(CSV_PIECES), max_size=60), draw=st.data())
def test_record_scanner_agrees_with_csv_module(pieces, draw):
    text = "".join(pieces)
    reader = csv.reader(io.StringIO(text, newline=""))
    first_lines = []  # (record number, physical line where it starts, has content)
    lines_read = 0
    for number, row in enumerate(reader, start=1):
        first_lines.append((number, lines_read + 1, bool(row)))
        lines_read = reader.line_num
    data = text.encode()
    bounds = sorted(draw.draw(st.lists(st.integers(0, len(data)), max_size=4), label="chunk bounds"))
    scanner = RecordScanner()
    for start, end in zip([0, *bounds], [*bounds, len(data)]):
        scanner.feed(data[start:end])
    assert scanner.finish() == max(sum(has_content for *_, has_content in first_lines) - 1, 0)
    assert scanner.blank_records == [number for number, _, has_content in first_lines if not has_content]
    for number, line, _ in first_lines:
        shift = [shift for first, shift in scanner.line_shifts if first <= number][-1]
        assert number + shift == line


# ---------------------------------------------------------------------------------------------------------------
# Atomic and idempotent
# ---------------------------------------------------------------------------------------------------------------

def test_reload_replaces_contents_and_keeps_history(warehouse_env, kaggle_dir, rejects_dir):
    load(rejects_dir, warehouse_env)
    load(kaggle_dir, warehouse_env)
    load(kaggle_dir, warehouse_env)
    assert table_counts(warehouse_env) == {spec.table_name: csv_records(kaggle_dir / spec.file_name)
                                           for spec in OLIST_FILES}
    loads = query_warehouse(warehouse_env, "select load_id, count(*), sum(rows_rejected) from raw.load_audit "
                                           "group by load_id order by load_id")
    assert [(files, rejected) for _, files, rejected in loads] == [(9, 7), (9, 0), (9, 0)]
    assert query_warehouse(warehouse_env, "select load_id, count(*) from raw.load_rejects group by load_id") == [
        (loads[0][0], 7)]
    sha = query_warehouse(warehouse_env, f"select distinct sha256, size_bytes from raw.load_audit "
                                         f"where file_name = '{ORDERS}' and load_id <> '{loads[0][0]}'")
    data = (kaggle_dir / ORDERS).read_bytes()
    assert sha == [(hashlib.sha256(data).hexdigest(), len(data))]


@pytest.fixture(scope="module")
def large_dir(tmp_path_factory) -> Path:
    """The Kaggle-style files plus a customer, with a geolocation file of real size (1M rows) that takes a while."""
    one_more_customer = KAGGLE_FILES[CUSTOMERS] + "c5,u5,01001,sp,SP\n"
    folder = write_files(tmp_path_factory.mktemp("large"), {**KAGGLE_FILES, CUSTOMERS: one_more_customer})
    rows = "".join(f"{10000 + i % 90000:05d},-23.{i:06d},-46.{i:06d},sao paulo,SP\n" for i in range(1_000_000))
    (folder / GEOLOCATION).write_text(KAGGLE_FILES[GEOLOCATION].splitlines()[0] + "\n" + rows)
    return folder


def test_killed_load_leaves_previous_load_intact(warehouse_env, kaggle_dir, large_dir):
    load(kaggle_dir, warehouse_env)
    before = warehouse_state(warehouse_env)
    proc = subprocess.Popen([PYTHON, str(PROJECT_ROOT / "scripts" / "load_data.py"), "--data-dir", str(large_dir)],
                            cwd=PROJECT_ROOT, env=warehouse_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    printed = []
    for line in proc.stdout:  # the first table is written, inside the transaction; the 1M-row one comes next
        printed.append(line)
        if CUSTOMERS in line:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    printed.append(proc.stdout.read())
    proc.stdout.close()
    proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    assert any(CUSTOMERS in line for line in printed) and not any("committed" in line for line in printed)
    assert warehouse_state(warehouse_env) == before
    load(kaggle_dir, warehouse_env)
    assert len(query_warehouse(warehouse_env, "select distinct load_id from raw.load_audit")) == 2
    # the killed load's staging files (PostgreSQL) are removed by the next load
    assert list(Path(tempfile.gettempdir()).glob(f"olist_load_pid{proc.pid}_*")) == []


@pytest.mark.postgres
def test_postgres_reload_keeps_dependent_views_and_repairs_drifted_tables(postgres_env, kaggle_dir, rejects_dir):
    load(rejects_dir, postgres_env)
    conn = psycopg2.connect(host=postgres_env["POSTGRES_HOST"], port=int(postgres_env["POSTGRES_PORT"]),
                            user=postgres_env["POSTGRES_USER"], password=postgres_env["POSTGRES_PASSWORD"],
                            dbname=postgres_env["POSTGRES_DB"])
    with conn, conn.cursor() as cur:
        cur.execute("create schema analytics")
        cur.execute("create view analytics.stg_orders as select order_id from raw.orders")
        cur.execute("create view analytics.stg_sellers as select seller_id from raw.sellers")
        cur.execute("alter table raw.sellers add column seller_rank integer")
    conn.close()
    proc = load(kaggle_dir, postgres_env)
    assert proc.stderr == ("load_data: warning: raw.sellers: columns differed from the contract; table recreated "
                           "(dependent views dropped: run dbt build)\n")
    assert query_warehouse(postgres_env, "select count(*) from analytics.stg_orders") == [
        (csv_records(kaggle_dir / ORDERS),)]
    assert query_warehouse(postgres_env, "select column_name from information_schema.columns where "
                                         "table_schema = 'raw' and table_name = 'sellers' order by ordinal_position"
                           ) == [(name,) for name in BY_FILE_NAME[SELLERS].header]
    assert query_warehouse(postgres_env, "select count(*) from raw.sellers") == [(csv_records(kaggle_dir / SELLERS),)]


# ---------------------------------------------------------------------------------------------------------------
# The optional tenth file, campaign_contacts.csv
# ---------------------------------------------------------------------------------------------------------------

# Persons of KAGGLE_FILES' customers: u1, u2, u3.
GOOD_CAMPAIGN = (
    CAMPAIGN_HEADER + "\n"
    "winback_2018_09,u1,treatment,2018-09-01 10:00:00\n"
    "winback_2018_09,u2,control,2018-09-01 10:00:00\n"
    '"winback_2018_09","u3","treatment","2018-09-01 10:00:00"\n'
    "welcome_2018_10,u1,control,2018-10-15 08:30:00\n"
)
GOOD_CAMPAIGN_ROWS = [
    ("welcome_2018_10", "u1", "control", datetime(2018, 10, 15, 8, 30)),
    ("winback_2018_09", "u1", "treatment", datetime(2018, 9, 1, 10)),
    ("winback_2018_09", "u2", "control", datetime(2018, 9, 1, 10)),
    ("winback_2018_09", "u3", "treatment", datetime(2018, 9, 1, 10)),
]
BAD_CAMPAIGN = (
    CAMPAIGN_HEADER + "\n"                       # line 1
    "w,u1,treatment,2018-09-01 10:00:00\n"        # line 2: kept
    "w,u2,Treatment,2018-09-01 10:00:00\n"        # line 3: group not exactly treatment
    "w,u3,,2018-09-01 10:00:00\n"                 # line 4: no group
    "\n"                                          # line 5: blank (not a record)
    ",u2,control,2018-09-01 10:00:00\n"           # line 6: no campaign_id
    'w,"",control,\n'                             # line 7: no person, no contact time
    "w,u9,control,2018-09-01 10:00:00\n"          # line 8: u9 is not in the customers file
    "w,u1,control,2018-09-02 10:00:00\n"          # line 9: (w, u1) again: line 2 is kept
    'w,"u2\nx",treatment,2018-09-01 10:00:00\n'   # lines 10-11: a person 'u2<line break>x', unknown
    "w,u3,treatment,01/09/2018\n"                 # line 12: does not parse
    "w,u3,control,2018-09-01 10:00:00\n"          # line 13: kept, the first usable (w, u3) (line 4 was not)
    "w,u3,treatment,2018-09-03 10:00:00\n"        # line 14: (w, u3) again: line 13 is kept
    "v,u2,control,2018-09-01 10:00:00\n"          # line 15: kept, another campaign
    "w,u9,bogus,\n"                               # line 16: three problems at once
)
BAD_CAMPAIGN_ROWS = [
    ("v", "u2", "control", datetime(2018, 9, 1, 10)),
    ("w", "u1", "treatment", datetime(2018, 9, 1, 10)),
    ("w", "u3", "control", datetime(2018, 9, 1, 10)),
]
UNKNOWN_PERSON = f"UNKNOWN PERSON: customer_unique_id not in {CUSTOMERS}"
EXPECTED_CAMPAIGN_REJECTS = [
    (3, "w,u2,Treatment,2018-09-01 10:00:00", 'INVALID GROUP: "Treatment" is not treatment or control'),
    (4, "w,u3,,2018-09-01 10:00:00", "INVALID GROUP: empty; expected treatment or control"),
    (6, ",u2,control,2018-09-01 10:00:00", "MISSING VALUE: campaign_id"),
    (7, 'w,"",control,', "MISSING VALUE: customer_unique_id, contacted_at"),
    (8, "w,u9,control,2018-09-01 10:00:00", UNKNOWN_PERSON),
    (9, "w,u1,control,2018-09-02 10:00:00",
     "DUPLICATE: same campaign_id and customer_unique_id as line 2 (the first line is kept)"),
    (10, 'w,"u2\nx",treatment,2018-09-01 10:00:00', UNKNOWN_PERSON),
    (12, "w,u3,treatment,01/09/2018", CAST.format("contacted_at", "01/09/2018", "TIMESTAMP")),
    (14, "w,u3,treatment,2018-09-03 10:00:00",
     "DUPLICATE: same campaign_id and customer_unique_id as line 13 (the first line is kept)"),
    (16, "w,u9,bogus,", 'INVALID GROUP: "bogus" is not treatment or control; MISSING VALUE: contacted_at; '
                        + UNKNOWN_PERSON),
]
CAMPAIGN_ROWS_SQL = ('select campaign_id, customer_unique_id, "group", contacted_at from raw.campaign_contacts '
                     "order by 1, 2")
CAMPAIGN_COLUMNS_SQL = ("select column_name from information_schema.columns where table_schema = 'raw' "
                        "and table_name = 'campaign_contacts' order by ordinal_position")


def campaign_state(env: dict) -> tuple:
    """The campaign table and the campaign file's rejects and audit, beside warehouse_state."""
    return (
        query_warehouse(env, CAMPAIGN_ROWS_SQL),
        query_warehouse(env, "select load_id, line_number, reason from raw.load_rejects "
                             f"where file_name = '{CAMPAIGN}' order by load_id, line_number"),
        query_warehouse(env, f"select load_id, rows_read, rows_loaded, rows_rejected from raw.load_audit "
                             f"where file_name = '{CAMPAIGN}' order by load_id"),
    )


def file_line(stdout: str, file_name: str) -> list[str]:
    """The load's line for one file: name, read, loaded, rejected (seconds left out)."""
    (line,) = [line for line in stdout.splitlines() if line.split()[:1] == [file_name]]
    return line.split()[:4]


def test_campaign_file_loads_every_good_row(warehouse_env, tmp_path):
    folder = write_files(tmp_path / "with_campaign", {**KAGGLE_FILES, CAMPAIGN: GOOD_CAMPAIGN})
    proc = load(folder, warehouse_env)
    assert proc.stderr == ""
    assert file_line(proc.stdout, CAMPAIGN) == [CAMPAIGN, "4", "4", "0"]
    assert " 10 files in " in proc.stdout.splitlines()[-1]
    assert query_warehouse(warehouse_env, CAMPAIGN_ROWS_SQL) == GOOD_CAMPAIGN_ROWS
    assert len(GOOD_CAMPAIGN_ROWS) == csv_records(folder / CAMPAIGN)
    assert query_warehouse(warehouse_env, "select count(*) from raw.load_rejects") == [(0,)]
    assert query_warehouse(warehouse_env, "select table_name, rows_read, rows_loaded, rows_rejected "
                                          f"from raw.load_audit where file_name = '{CAMPAIGN}'"
                           ) == [("campaign_contacts", 4, 4, 0)]
    # the nine load as without the campaign file
    assert table_counts(warehouse_env) == {spec.table_name: csv_records(folder / spec.file_name)
                                           for spec in OLIST_FILES}


def test_unusable_campaign_rows_are_rejected_with_line_and_reason(warehouse_env, tmp_path):
    folder = write_files(tmp_path / "bad_campaign", {**KAGGLE_FILES, CAMPAIGN: BAD_CAMPAIGN})
    records = csv_records(folder / CAMPAIGN)
    rejected = len(EXPECTED_CAMPAIGN_REJECTS)
    assert (records, rejected, len(BAD_CAMPAIGN_ROWS)) == (13, 10, 3)  # the file above, counted by hand
    proc = load(folder, warehouse_env)
    assert proc.stderr.startswith(f"load_data: warning: {rejected} rows rejected; see raw.load_rejects where ")
    assert file_line(proc.stdout, CAMPAIGN) == [CAMPAIGN, str(records), str(records - rejected), str(rejected)]
    rejects = query_warehouse(warehouse_env, "select file_name, line_number, raw_text, reason from raw.load_rejects "
                                             "order by line_number")
    assert [(line, text.rstrip("\n"), reason) for file_name, line, text, reason in rejects
            if file_name == CAMPAIGN] == EXPECTED_CAMPAIGN_REJECTS
    assert len(rejects) == rejected  # the nine files have no rejects
    assert query_warehouse(warehouse_env, CAMPAIGN_ROWS_SQL) == BAD_CAMPAIGN_ROWS
    assert query_warehouse(warehouse_env, "select rows_read, rows_loaded, rows_rejected from raw.load_audit "
                                          f"where file_name = '{CAMPAIGN}'"
                           ) == [(records, records - rejected, rejected)]


def test_without_campaign_file_the_table_is_empty(warehouse_env, tmp_path, kaggle_dir):
    load(write_files(tmp_path / "with_campaign", {**KAGGLE_FILES, CAMPAIGN: GOOD_CAMPAIGN}), warehouse_env)
    assert len(query_warehouse(warehouse_env, CAMPAIGN_ROWS_SQL)) == len(GOOD_CAMPAIGN_ROWS)
    proc = load(kaggle_dir, warehouse_env)
    assert proc.stderr == ""
    assert CAMPAIGN not in proc.stdout and " 9 files in " in proc.stdout
    assert query_warehouse(warehouse_env, CAMPAIGN_ROWS_SQL) == []
    assert query_warehouse(warehouse_env, CAMPAIGN_COLUMNS_SQL) == [(name,) for name in CAMPAIGN_CONTACTS_FILE.header]
    loads = query_warehouse(warehouse_env, "select load_id, count(*) from raw.load_audit group by 1 order by 1")
    assert [files for _, files in loads] == [10, 9]
    assert table_counts(warehouse_env) == {spec.table_name: csv_records(kaggle_dir / spec.file_name)
                                           for spec in OLIST_FILES}


def test_broken_campaign_file_is_refused_and_previous_load_intact(warehouse_env, tmp_path):
    load(write_files(tmp_path / "with_campaign", {**KAGGLE_FILES, CAMPAIGN: BAD_CAMPAIGN}), warehouse_env)
    before = (warehouse_state(warehouse_env), campaign_state(warehouse_env))
    assert before[1][0] == BAD_CAMPAIGN_ROWS
    bad_header = GOOD_CAMPAIGN.replace(CAMPAIGN_HEADER, "campaign_id,customer_unique_id,grp,contacted_at")
    broken = write_files(tmp_path / "broken", {**KAGGLE_FILES, CAMPAIGN: bad_header})
    proc = load(broken, warehouse_env, check=False)
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr == f"load_data: {CAMPAIGN}: header: missing column 'group'; unexpected column 'grp'\n"
    assert (warehouse_state(warehouse_env), campaign_state(warehouse_env)) == before


# ---------------------------------------------------------------------------------------------------------------
# The project's generated data
# ---------------------------------------------------------------------------------------------------------------

def test_generated_data_loads_without_rejects(warehouse_env, generated_data):
    load(generated_data, warehouse_env)
    assert table_counts(warehouse_env) == {spec.table_name: csv_records(generated_data / spec.file_name)
                                           for spec in OLIST_FILES}
    assert query_warehouse(warehouse_env, "select count(*) from raw.load_rejects") == [(0,)]
