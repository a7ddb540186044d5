{#- Every person who placed an order (customer_unique_id), with or without a purchase. Address: that of the
    latest purchase, else of the latest order (int_customer_addresses). -#}
with

orders as (

    select * from {{ ref('int_orders_enriched') }}

),

purchase_history as (

    select * from {{ ref('int_purchases_aggregated_to_customers') }}

),

addresses as (

    select * from {{ ref('int_customer_addresses') }}

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
    cast(coalesce(purchase_history.monetary, 0) as {{ money_type() }}) as monetary,
    coalesce(purchase_history.bought_in_several_states, false) as bought_in_several_states,
    addresses.customer_zip_code_prefix,
    addresses.customer_city,
    addresses.customer_state,
    addresses.customer_latitude,
    addresses.customer_longitude,
    purchase_history.customer_unique_id is not null as is_purchaser
from order_history
inner join addresses
    on order_history.customer_unique_id = addresses.customer_unique_id
left join purchase_history
    on order_history.customer_unique_id = purchase_history.customer_unique_id
