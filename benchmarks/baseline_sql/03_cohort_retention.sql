-- Baseline, step 3: the cohort matrix. Cohort = month of a person's first delivered order; for every cohort and
-- every month since (0 .. the last month with purchases, zero months included), the share of the cohort that
-- bought again that month.
drop table if exists cohort_retention;

create table cohort_retention as
with purchases as (
    select
        c.customer_unique_id,
        date_trunc('month', o.order_purchase_timestamp::timestamp)::date as purchase_month
    from orders as o
    join customers as c on c.customer_id = o.customer_id
    where o.order_status = 'delivered'
),
activity as (
    select
        r.cohort_month,
        (extract(year from p.purchase_month) - extract(year from r.cohort_month)) * 12
            + extract(month from p.purchase_month) - extract(month from r.cohort_month) as months_since,
        count(distinct p.customer_unique_id) as active_customers
    from purchases as p
    join rfm as r on r.customer_unique_id = p.customer_unique_id
    group by 1, 2
),
cohort_sizes as (
    select cohort_month, count(*) as cohort_size from rfm group by cohort_month
),
grid as (
    select
        s.cohort_month,
        s.cohort_size,
        k.months_since
    from cohort_sizes as s
    cross join (select max(purchase_month) as last_month from purchases) as l
    cross join generate_series(0, 600) as k(months_since)
    where s.cohort_month + make_interval(months => k.months_since) <= l.last_month
)
select
    g.cohort_month,
    g.months_since as months_since_first_purchase,
    g.cohort_size,
    coalesce(a.active_customers, 0) as active_customers,
    coalesce(a.active_customers, 0)::float / g.cohort_size as retention_rate
from grid as g
left join activity as a
    on a.cohort_month = g.cohort_month
    and a.months_since = g.months_since
order by 1, 2;
