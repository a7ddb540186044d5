-- The machine's limit: DuckDB reads the three raw CSV files it needs once and computes, in one statement, the
-- RFM table (recency, frequency, monetary per customer_unique_id over delivered orders; recency in days to the
-- day after the last purchase) and the cohort matrix (monthly cohorts of first purchase × months since, zero
-- months included, retention as a fraction), both stored in one table. No tests, no staging, no intermediate
-- relations: the least work that yields the two marts. {data_dir} is filled in by benchmarks/bench.py.
create or replace table machine_limit as
with
orders as materialized (
    select order_id, customer_id, order_purchase_timestamp as purchased_at
    from read_csv('{data_dir}/olist_orders_dataset.csv', header = true, auto_detect = false,
        columns = {{'order_id': 'varchar', 'customer_id': 'varchar', 'order_status': 'varchar',
                   'order_purchase_timestamp': 'timestamp', 'order_approved_at': 'timestamp',
                   'order_delivered_carrier_date': 'timestamp', 'order_delivered_customer_date': 'timestamp',
                   'order_estimated_delivery_date': 'timestamp'}})
    where order_status = 'delivered'
),
customers as (
    select customer_id, customer_unique_id
    from read_csv('{data_dir}/olist_customers_dataset.csv', header = true, auto_detect = false,
        columns = {{'customer_id': 'varchar', 'customer_unique_id': 'varchar',
                   'customer_zip_code_prefix': 'varchar', 'customer_city': 'varchar',
                   'customer_state': 'varchar'}})
),
order_revenue as (
    select order_id, sum(cast(price as decimal(18, 2)) + cast(freight_value as decimal(18, 2))) as revenue
    from read_csv('{data_dir}/olist_order_items_dataset.csv', header = true, auto_detect = false,
        columns = {{'order_id': 'varchar', 'order_item_id': 'double', 'product_id': 'varchar',
                   'seller_id': 'varchar', 'shipping_limit_date': 'timestamp', 'price': 'double',
                   'freight_value': 'double'}})
    group by order_id
),
purchases as materialized (
    select
        customers.customer_unique_id,
        orders.purchased_at,
        date_trunc('month', orders.purchased_at)::date as purchase_month,
        coalesce(order_revenue.revenue, 0) as revenue
    from orders
    inner join customers on orders.customer_id = customers.customer_id
    left join order_revenue on orders.order_id = order_revenue.order_id
),
people as materialized (
    select
        customer_unique_id,
        max(purchased_at) as last_purchase_at,
        min(purchase_month) as cohort_month,
        count(*) as frequency,
        sum(revenue) as monetary
    from purchases
    group by customer_unique_id
),
as_of as (
    select max(last_purchase_at)::date + 1 as as_of_date, max(cohort_month) as last_cohort from people
),
rfm as (
    select
        people.customer_unique_id,
        datediff('day', people.last_purchase_at::date, as_of.as_of_date) as recency_days,
        people.frequency,
        people.monetary
    from people cross join as_of
),
activity as (
    select
        people.cohort_month,
        datediff('month', people.cohort_month, purchases.purchase_month) as months_since_first_purchase,
        count(distinct purchases.customer_unique_id) as active_customers
    from purchases
    inner join people on purchases.customer_unique_id = people.customer_unique_id
    group by all
),
cohort_sizes as (
    select cohort_month, count(*) as cohort_size from people group by cohort_month
),
last_month as (
    select max(purchase_month) as last_month from purchases
),
grid as (
    select cohort_sizes.cohort_month, cohort_sizes.cohort_size, offsets.k as months_since_first_purchase
    from cohort_sizes
    cross join last_month
    cross join range(0, 600) as offsets(k)
    where cohort_sizes.cohort_month + to_months(offsets.k) <= last_month.last_month
),
cohorts as (
    select
        grid.cohort_month,
        grid.months_since_first_purchase,
        grid.cohort_size,
        coalesce(activity.active_customers, 0) as active_customers,
        coalesce(activity.active_customers, 0) / grid.cohort_size as retention_rate
    from grid
    left join activity
        on grid.cohort_month = activity.cohort_month
        and grid.months_since_first_purchase = activity.months_since_first_purchase
)
select 'rfm' as part, customer_unique_id, recency_days, frequency, monetary,
       null::date as cohort_month, null::bigint as months_since_first_purchase, null::bigint as cohort_size,
       null::bigint as active_customers, null::double as retention_rate
from rfm
union all
select 'cohort' as part, null, null, null, null,
       cohort_month, months_since_first_purchase, cohort_size, active_customers, retention_rate
from cohorts
