{#- Every person who placed an order (customer_unique_id), with or without a purchase. Address: that of the
    latest purchase, else of the latest order. -#}
with

orders as (

    select * from {{ ref('int_orders_enriched') }}

),

purchase_history as (

    select * from {{ ref('int_purchases_aggregated_to_customers') }}

),

latest_order as (

    select
        customer_unique_id,
        customer_zip_code_prefix,
        customer_city,
        customer_state,
        row_number() over (
            partition by customer_unique_id
            order by purchased_at desc, order_id desc
        ) as recency_rank
    from orders

),

order_history as (

    select
        customer_unique_id,
        min(purchased_at) as first_order_at,
        max(purchased_at) as last_order_at,
        count(*) as orders,
        count(distinct customer_id) as customer_ids
    from orders
    group by customer_unique_id

)

select
    order_history.customer_unique_id,
    order_history.first_order_at,
    order_history.last_order_at,
    order_history.orders,
    order_history.customer_ids,
    coalesce(purchase_history.purchases, 0) as purchases,
    purchase_history.first_purchase_at,
    purchase_history.last_purchase_at,
    purchase_history.cohort_month,
    cast(coalesce(purchase_history.monetary, 0) as {{ money_type() }}) as lifetime_value,
    coalesce(purchase_history.has_moved, false) as has_moved,
    coalesce(purchase_history.customer_zip_code_prefix, latest_order.customer_zip_code_prefix)
        as customer_zip_code_prefix,
    coalesce(purchase_history.customer_city, latest_order.customer_city) as customer_city,
    coalesce(purchase_history.customer_state, latest_order.customer_state) as customer_state,
    purchase_history.customer_unique_id is not null as is_purchaser
from order_history
inner join latest_order
    on order_history.customer_unique_id = latest_order.customer_unique_id
    and latest_order.recency_rank = 1
left join purchase_history
    on order_history.customer_unique_id = purchase_history.customer_unique_id
