-- Purchase revenue (items price + freight of orders whose status is a purchase) must be the same number in
-- staging, the orders mart, rfm_segments, clv, segment_geography and segment_product_affinity.
-- Money is numeric(18, 2) throughout, so the sums are exact and compared for equality. Returns a row per
-- layer that disagrees with staging.
with

staging as (

    select sum(order_items.item_revenue) as revenue
    from {{ ref('stg_olist__order_items') }} as order_items
    inner join {{ ref('stg_olist__orders') }} as orders
        on order_items.order_id = orders.order_id
    where
        orders.order_status in {{ purchase_statuses_sql() }}
        and {{ purchased_before_as_of('orders.purchased_at') }}

),

layers as (

    select 'orders' as layer, sum(order_revenue) as revenue
    from {{ ref('orders') }}
    where is_purchase
    union all
    select 'rfm_segments' as layer, sum(monetary) as revenue
    from {{ ref('rfm_segments') }}
    union all
    select 'clv' as layer, sum(revenue) as revenue
    from {{ ref('clv') }}
    union all
    select 'segment_geography' as layer, sum(revenue) as revenue
    from {{ ref('segment_geography') }}
    union all
    select 'segment_product_affinity' as layer, sum(revenue) as revenue
    from {{ ref('segment_product_affinity') }}

)

select
    layers.layer,
    layers.revenue,
    staging.revenue as staging_revenue
from layers
cross join staging
where coalesce(layers.revenue, 0) <> coalesce(staging.revenue, 0)
