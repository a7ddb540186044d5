"""customer_intel.generate.cut on hand-made files of a few rows: which rows are kept, the bytes written, the date
one month before the end, and the command line's errors."""
from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest

from customer_intel.generate.cut import (
    CutError, add_months, cut_files, last_purchase, newest_snapshot, one_month_earlier,
)
from conftest import PROJECT_ROOT

BOM = "\ufeff"
ORDERS_HEADER = ("order_id,customer_id,order_status,order_purchase_timestamp,order_approved_at,"
                 "order_delivered_carrier_date,order_delivered_customer_date,order_estimated_delivery_date")
# o1 and o4 before 2018-02-01, o2 exactly at it (excluded: strictly before), o3 and o5 after it.
ORDERS = [
    "o1,c1,delivered,2018-01-10 08:00:00,,,,",
    "o2,c2,delivered,2018-02-01 00:00:00,,,,",
    "o3,c3,delivered,2018-03-31 22:00:00,,,,",
    "o4,c4,canceled,2018-01-31 23:59:59,,,,",
    "o5,c5,canceled,2018-04-20 10:00:00,,,,",
]
ITEMS = ["order_id,order_item_id,product_id,seller_id,shipping_limit_date,price,freight_value",
         "o1,1,p1,s1,2018-01-12 00:00:00,10.00,1.50", "o2,1,p1,s1,2018-02-03 00:00:00,20.00,2.00",
         "o1,2,p2,s1,2018-01-12 00:00:00,5.00,1.00", "o3,1,p2,s1,2018-04-02 00:00:00,7.00,0.50"]
PAYMENTS = ["order_id,payment_sequential,payment_type,payment_installments,payment_value",
            "o2,1,boleto,1,22.00", "o4,1,voucher,1,3.00"]
# A quoted field with a comma, a doubled quote and a line break; quotes around a plain value are dropped on output.
REVIEWS = ["review_id,order_id,review_score,review_comment_title,review_comment_message,review_creation_date,"
           "review_answer_timestamp",
           'r1,o1,5,"ok","bom, muito ""bom""\nobrigado",2018-01-20 00:00:00,2018-01-21 00:00:00',
           "r2,o3,1,,,2018-04-05 00:00:00,2018-04-06 00:00:00"]
CUSTOMERS = ["customer_id,customer_unique_id,customer_zip_code_prefix,customer_city,customer_state",
             "c1,u1,01001,sao paulo,SP", "c2,u2,01002,sao paulo,SP", "c3,u1,01001,sao paulo,SP",
             "c4,u4,20000,rio de janeiro,RJ", "c5,u5,20001,rio de janeiro,RJ"]
PRODUCTS = BOM + "product_id,product_category_name\r\np1,\"cama, mesa\"\r\np2,esporte\r\n"


def write(folder, name, lines, bom=False):
    (folder / name).write_text((BOM if bom else "") + "\r\n".join(lines) + "\r\n", encoding="utf-8", newline="")


@pytest.fixture
def files(tmp_path):
    folder = tmp_path / "full"
    folder.mkdir()
    write(folder, "olist_orders_dataset.csv", [ORDERS_HEADER, *ORDERS], bom=True)
    write(folder, "olist_order_items_dataset.csv", ITEMS)
    write(folder, "olist_order_payments_dataset.csv", PAYMENTS)
    write(folder, "olist_order_reviews_dataset.csv", REVIEWS)
    write(folder, "olist_customers_dataset.csv", CUSTOMERS, bom=True)
    (folder / "olist_products_dataset.csv").write_text(PRODUCTS, encoding="utf-8", newline="")
    return folder


def read(path) -> str:
    return path.read_bytes().decode("utf-8")


def test_cut_keeps_the_orders_before_the_date_and_only_their_rows(files, tmp_path):
    out = tmp_path / "cut"
    counts = cut_files(files, "2018-02-01", out)
    assert counts == {"olist_orders_dataset.csv": 2, "olist_order_items_dataset.csv": 2,
                      "olist_order_payments_dataset.csv": 1, "olist_order_reviews_dataset.csv": 1,
                      "olist_customers_dataset.csv": 2}
    # Header and rows as the csv module writes them: no BOM, \r\n, quotes only where needed.
    assert read(out / "olist_orders_dataset.csv") == (
        ORDERS_HEADER + "\r\no1,c1,delivered,2018-01-10 08:00:00,,,,\r\no4,c4,canceled,2018-01-31 23:59:59,,,,\r\n")
    assert read(out / "olist_order_items_dataset.csv") == (
        ITEMS[0] + "\r\no1,1,p1,s1,2018-01-12 00:00:00,10.00,1.50\r\no1,2,p2,s1,2018-01-12 00:00:00,5.00,1.00\r\n")
    assert read(out / "olist_order_payments_dataset.csv") == PAYMENTS[0] + "\r\no4,1,voucher,1,3.00\r\n"
    assert read(out / "olist_order_reviews_dataset.csv") == (
        REVIEWS[0] + '\r\nr1,o1,5,ok,"bom, muito ""bom""\nobrigado",2018-01-20 00:00:00,2018-01-21 00:00:00\r\n')
    assert read(out / "olist_customers_dataset.csv") == (
        CUSTOMERS[0] + "\r\nc1,u1,01001,sao paulo,SP\r\nc4,u4,20000,rio de janeiro,RJ\r\n")
    # Files without orders are copied byte for byte (BOM included).
    assert (out / "olist_products_dataset.csv").read_bytes() == (files / "olist_products_dataset.csv").read_bytes()


def test_a_cut_after_every_order_rewrites_the_files_without_losing_a_row(files, tmp_path):
    counts = cut_files(files, dt.date(2019, 1, 1), tmp_path / "cut")
    assert counts == {"olist_orders_dataset.csv": 5, "olist_order_items_dataset.csv": 4,
                      "olist_order_payments_dataset.csv": 2, "olist_order_reviews_dataset.csv": 2,
                      "olist_customers_dataset.csv": 5}
    assert read(tmp_path / "cut" / "olist_customers_dataset.csv") == "\r\n".join(CUSTOMERS) + "\r\n"


def test_the_cut_date_is_the_16th_of_the_month_before_the_newest_snapshot(files):
    # Last delivered purchase 2018-03-31 22:00 (o5, later, is canceled): as_of_date 2018-04-01, newest snapshot
    # 2018-04-01, cut on 2018-03-16.
    assert last_purchase(files) == dt.datetime(2018, 3, 31, 22)
    assert newest_snapshot(files) == dt.date(2018, 4, 1)
    assert one_month_earlier(dt.date(2018, 4, 1)) == "2018-03-16"
    assert one_month_earlier(dt.date(2018, 1, 1)) == "2017-12-16"
    assert add_months(dt.date(2017, 11, 1), 3) == dt.date(2018, 2, 1)


def run_cut(*args):
    return subprocess.run([sys.executable, "-m", "customer_intel.generate.cut", *map(str, args)], cwd=PROJECT_ROOT,
                          capture_output=True, text=True)


def test_command_line_cuts_one_month_before_the_end_by_default(files, tmp_path):
    proc = run_cut("--data-dir", files, "--out", tmp_path / "cut")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("cut at 2018-03-16: olist_orders_dataset.csv 3,")
    kept = read(tmp_path / "cut" / "olist_orders_dataset.csv").splitlines()[1:]
    assert [row.split(",")[0] for row in kept] == ["o1", "o2", "o4"]


def test_command_line_reports_a_missing_folder_or_file_in_one_line(files, tmp_path):
    proc = run_cut("--data-dir", tmp_path / "nowhere", "--out", tmp_path / "cut")
    assert (proc.returncode, proc.stderr) == (2, f"cut: data folder {tmp_path / 'nowhere'} not found\n")
    (files / "olist_order_payments_dataset.csv").unlink()
    proc = run_cut("--data-dir", files, "--before", "2018-02-01", "--out", tmp_path / "cut")
    assert (proc.returncode, proc.stderr) == (2, f"cut: {files / 'olist_order_payments_dataset.csv'} not found\n")
    with pytest.raises(CutError, match="no column order_purchase_timestamp"):
        write(files, "olist_orders_dataset.csv", ["order_id,customer_id", "o1,c1"])
        cut_files(files, "2018-02-01", tmp_path / "again")
