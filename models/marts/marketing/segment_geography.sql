{#- Where each segment lives. A person is counted once, in the state of their latest purchase (the address
    rule of int_customer_addresses), and their whole monetary value goes there: no revenue is counted twice,
    unlike a join on the per-order customer_id. Each state carries its macro-region from the brazil_states seed. -#}
with

rfm_segments as (

    select * from {{ ref('rfm_segments') }}

),

addresses as (

    select
        customer_unique_id,
        customer_state
    from {{ ref('int_customer_addresses') }}

),

states as (

    select * from {{ ref('brazil_states') }}

),

segment_state as (

    select
        rfm_segments.rfm_segment,
        coalesce(addresses.customer_state, 'unknown') as customer_state,
        count(*) as customers,
        sum(rfm_segments.monetary) as revenue
    from rfm_segments
    inner join addresses
        on rfm_segments.customer_unique_id = addresses.customer_unique_id
    group by
        rfm_segments.rfm_segment,
        coalesce(addresses.customer_state, 'unknown')

),

segment_totals as (

    select
        rfm_segment,
        sum(customers) as segment_customers,
        sum(revenue) as segment_revenue
    from segment_state
    group by rfm_segment

)

select
    cast(segment_state.rfm_segment as {{ dbt.type_string() }}) as rfm_segment,
    cast(segment_state.customer_state as {{ dbt.type_string() }}) as customer_state,
    cast(states.region as {{ dbt.type_string() }}) as region,
    cast(segment_state.customers as integer) as customers,
    cast(segment_state.revenue as {{ money_type() }}) as revenue,
    cast(segment_state.customers as {{ double_type() }})
    / segment_totals.segment_customers as segment_customer_share,
    cast(segment_state.revenue as {{ double_type() }})
    / cast(segment_totals.segment_revenue as {{ double_type() }}) as segment_revenue_share,
    cast(row_number() over (
        partition by segment_state.rfm_segment
        order by segment_state.revenue desc, segment_state.customer_state asc
    ) as integer) as state_rank
from segment_state
inner join segment_totals
    on segment_state.rfm_segment = segment_totals.rfm_segment
left join states
    on segment_state.customer_state = states.state_code
