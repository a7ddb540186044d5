{#- The people a win-back campaign contacts: every person whose segment is in var win_back_segments, with
    what the message needs: their monetary value, where they are and the category they spent most on (ties: more
    items, then the category name; null for a person whose purchases have no items). -#}
with

rfm_segments as (

    select * from {{ ref('rfm_segments') }}
    where rfm_segment in {{ quoted_list(var('win_back_segments')) }}

),

addresses as (

    select * from {{ ref('int_customer_addresses') }}

),

category_spend as (

    select
        customer_unique_id,
        product_category,
        sum(item_revenue) as revenue,
        count(*) as items
    from {{ ref('int_purchase_items_enriched') }}
    group by
        customer_unique_id,
        product_category

),

favourite_category as (

    select
        customer_unique_id,
        product_category,
        row_number() over (
            partition by customer_unique_id
            order by revenue desc, items desc, product_category asc
        ) as preference_rank
    from category_spend

)

select
    cast(rfm_segments.customer_unique_id as {{ dbt.type_string() }}) as customer_unique_id,
    cast(rfm_segments.rfm_segment as {{ dbt.type_string() }}) as rfm_segment,
    cast(rfm_segments.last_purchase_at as timestamp) as last_purchase_at,
    cast(rfm_segments.recency_days as integer) as days_since_last_purchase,
    cast(rfm_segments.monetary as {{ money_type() }}) as monetary,
    cast(rfm_segments.frequency as integer) as purchases,
    cast(addresses.customer_state as {{ dbt.type_string() }}) as customer_state,
    cast(addresses.customer_city as {{ dbt.type_string() }}) as customer_city,
    cast(addresses.customer_zip_code_prefix as {{ dbt.type_string() }}) as customer_zip_code_prefix,
    cast(favourite_category.product_category as {{ dbt.type_string() }}) as favourite_category
from rfm_segments
inner join addresses
    on rfm_segments.customer_unique_id = addresses.customer_unique_id
left join favourite_category
    on rfm_segments.customer_unique_id = favourite_category.customer_unique_id
    and favourite_category.preference_rank = 1
