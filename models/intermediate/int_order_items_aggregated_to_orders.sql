with

order_items as (

    select * from {{ ref('stg_olist__order_items') }}

),

sellers as (

    select * from {{ ref('stg_olist__sellers') }}

),

aggregated as (

    select
        order_items.order_id,
        count(*) as items,
        count(distinct order_items.product_id) as distinct_products,
        count(distinct order_items.seller_id) as distinct_sellers,
        count(distinct sellers.seller_state) as seller_states,
        min(sellers.seller_state) as seller_state,
        sum(order_items.price) as items_price,
        sum(order_items.freight_value) as items_freight,
        sum(order_items.item_revenue) as items_revenue
    from order_items
    left join sellers
        on order_items.seller_id = sellers.seller_id
    group by order_items.order_id

)

select * from aggregated
