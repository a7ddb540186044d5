{#- Which segments hold the money: revenue (the sum of its people's monetary: items price + freight of purchases,
    BRL) per segment. Sums are exact decimals; averages and shares are doubles computed from them (the same on
    every engine). -#}
with

rfm_segments as (

    select * from {{ ref('rfm_segments') }}

),

per_segment as (

    select
        rfm_segment,
        segment_order,
        count(*) as customers,
        sum(frequency) as purchases,
        sum(monetary) as revenue
    from rfm_segments
    group by
        rfm_segment,
        segment_order

),

totals as (

    select
        sum(customers) as all_customers,
        sum(revenue) as all_revenue
    from per_segment

)

select
    cast(per_segment.rfm_segment as {{ dbt.type_string() }}) as rfm_segment,
    cast(per_segment.segment_order as integer) as segment_order,
    cast(per_segment.customers as integer) as customers,
    cast(per_segment.customers as {{ double_type() }}) / totals.all_customers as customer_share,
    cast(per_segment.revenue as {{ double_type() }}) / per_segment.customers as avg_monetary,
    cast(per_segment.revenue as {{ money_type() }}) as revenue,
    cast(per_segment.revenue as {{ double_type() }})
    / cast(totals.all_revenue as {{ double_type() }}) as revenue_share,
    cast(per_segment.purchases as integer) as purchases,
    cast(per_segment.purchases as {{ double_type() }}) / per_segment.customers as avg_purchases,
    cast(per_segment.revenue as {{ double_type() }}) / per_segment.purchases as avg_order_value
from per_segment
cross join totals
