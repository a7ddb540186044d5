{#- The address of every person (customer_unique_id) who placed an order: that of their latest purchase, else of
    their latest order (ties on the timestamp go to the larger order_id). The one address rule of every mart, so
    a person who moved is counted once, where they last bought. Coordinates are those of the zip prefix. -#}
with

orders as (

    select * from {{ ref('int_orders_enriched') }}

),

geolocations as (

    select * from {{ ref('stg_olist__geolocations') }}

),

ranked as (

    select
        customer_unique_id,
        customer_zip_code_prefix,
        customer_city,
        customer_state,
        row_number() over (
            partition by customer_unique_id
            order by
                case when is_purchase then 1 else 0 end desc,
                purchased_at desc,
                order_id desc
        ) as address_rank
    from orders

)

select
    ranked.customer_unique_id,
    ranked.customer_zip_code_prefix,
    ranked.customer_city,
    ranked.customer_state,
    geolocations.latitude as customer_latitude,
    geolocations.longitude as customer_longitude
from ranked
left join geolocations
    on ranked.customer_zip_code_prefix = geolocations.zip_code_prefix
where ranked.address_rank = 1
