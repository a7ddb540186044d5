{#- Items of purchases, with the person and the English category: the grain of product affinity. -#}
with

orders as (

    select * from {{ ref('int_orders_enriched') }}

),

order_items as (

    select * from {{ ref('stg_olist__order_items') }}

),

products as (

    select * from {{ ref('int_products_translated') }}

)

select
    order_items.order_id,
    order_items.order_item_id,
    orders.customer_unique_id,
    orders.purchased_at,
    order_items.product_id,
    products.product_category,
    order_items.price,
    order_items.freight_value,
    order_items.item_revenue
from order_items
inner join orders
    on order_items.order_id = orders.order_id
left join products
    on order_items.product_id = products.product_id
where orders.is_purchase
