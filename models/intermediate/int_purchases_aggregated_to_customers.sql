{#- Purchase history per person (customer_unique_id): first and last purchase, number of purchases, revenue,
    cohort month and the address of the latest purchase (the address rule used by every mart: a person who
    moved is counted once, where they last bought; ties on the timestamp go to the larger order_id). -#}
with

purchases as (

    select * from {{ ref('int_orders_enriched') }}
    where is_purchase

),

latest_address as (

    select
        customer_unique_id,
        customer_zip_code_prefix,
        customer_city,
        customer_state,
        row_number() over (
            partition by customer_unique_id
            order by purchased_at desc, order_id desc
        ) as recency_rank
    from purchases

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
    history.customer_unique_id,
    history.first_purchase_at,
    history.last_purchase_at,
    history.cohort_month,
    history.purchases,
    cast(history.monetary as {{ money_type() }}) as monetary,
    history.states > 1 as has_moved,
    latest_address.customer_zip_code_prefix,
    latest_address.customer_city,
    latest_address.customer_state
from history
inner join latest_address
    on history.customer_unique_id = latest_address.customer_unique_id
    and latest_address.recency_rank = 1
