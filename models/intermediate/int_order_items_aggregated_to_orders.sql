with

order_items as (

    select * from {{ ref('stg_olist__order_items') }}

),

aggregated as (

    select
        order_id,
        count(*) as items,
        count(distinct product_id) as distinct_products,
        count(distinct seller_id) as distinct_sellers,
        sum(price) as items_price,
        sum(freight_value) as items_freight,
        sum(item_revenue) as items_revenue
    from order_items
    group by order_id

)

select * from aggregated
