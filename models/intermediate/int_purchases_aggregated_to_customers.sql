{#- Purchase history per person (customer_unique_id): first and last purchase, number of purchases, revenue,
    cohort month and whether they bought from several states. Addresses are in int_customer_addresses. -#}
with

purchases as (

    select * from {{ ref('int_orders_enriched') }}
    where is_purchase

),

history as (

    select
        customer_unique_id,
        min(purchased_at) as first_purchase_at,
        max(purchased_at) as last_purchase_at,
        min(purchase_month) as cohort_month,
        count(*) as purchases,
        sum(order_revenue) as monetary,
        count(distinct customer_state) as states
    from purchases
    group by customer_unique_id

)

select
    customer_unique_id,
    first_purchase_at,
    last_purchase_at,
    cohort_month,
    purchases,
    cast(monetary as {{ money_type() }}) as monetary,
    states > 1 as bought_in_several_states
from history
