with

source as (

    select * from {{ source('olist', 'order_items') }}

),

renamed as (

    select
        order_id,
        {{ to_whole_number('order_item_id') }} as order_item_id,
        product_id,
        seller_id,
        cast(shipping_limit_date as {{ dbt.type_timestamp() }}) as shipping_limit_at,
        {{ to_money('price') }} as price,
        {{ to_money('freight_value') }} as freight_value
    from source

)

select
    *,
    cast(price + freight_value as {{ money_type() }}) as item_revenue
from renamed
