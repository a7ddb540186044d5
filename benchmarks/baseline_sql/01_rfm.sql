-- Baseline, step 1: the RFM table, the way the project this one replaces computed it: one plain SQL script over
-- the tables pandas.to_sql created (timestamps arrive as text, money as double precision), NTILE(4) quartiles
-- and a CASE for the five segments. Delivered orders only, the person is customer_unique_id, revenue = items
-- price + freight, recency in days to the day after the last purchase.
-- The scores are the original's, made deterministic exactly as the pipeline's rfm_scheme 'reference' does:
-- recency ordered ascending (so the most recent quarter scores 1: the original's inverted recency score),
-- frequency ties ordered by monetary ascending (the order its engine handed them to NTILE), then
-- customer_unique_id. Monetary is compared rounded to the cent, so that sums of doubles order people as the
-- pipeline's exact decimals do.
drop table if exists rfm;

create table rfm as
with delivered_orders as (
    select
        c.customer_unique_id,
        o.order_id,
        o.order_purchase_timestamp::timestamp as purchased_at
    from orders as o
    join customers as c on c.customer_id = o.customer_id
    where o.order_status = 'delivered'
),
order_values as (
    select order_id, sum(price + freight_value) as revenue
    from order_items
    group by order_id
),
per_customer as (
    select
        d.customer_unique_id,
        max(d.purchased_at) as last_purchase_at,
        min(date_trunc('month', d.purchased_at))::date as cohort_month,
        count(*) as frequency,
        sum(coalesce(v.revenue, 0)) as monetary
    from delivered_orders as d
    left join order_values as v on v.order_id = d.order_id
    group by d.customer_unique_id
),
reference_date as (
    select max(last_purchase_at)::date + 1 as as_of_date from per_customer
),
scored as (
    select
        p.customer_unique_id,
        p.last_purchase_at,
        p.cohort_month,
        r.as_of_date - p.last_purchase_at::date as recency_days,
        p.frequency,
        p.monetary,
        ntile(4) over (order by r.as_of_date - p.last_purchase_at::date, p.customer_unique_id) as r_score,
        ntile(4) over (
            order by p.frequency, round(p.monetary::numeric, 2), p.customer_unique_id
        ) as f_score,
        ntile(4) over (order by round(p.monetary::numeric, 2), p.customer_unique_id) as m_score
    from per_customer as p
    cross join reference_date as r
)
select
    scored.*,
    case
        when r_score >= 3 and f_score >= 3 then 'Champions'
        when r_score >= 3 then 'Potential Loyalists'
        when f_score >= 3 then 'At Risk'
        when r_score = 2 then 'Needs Attention'
        else 'Hibernating'
    end as rfm_segment
from scored;
