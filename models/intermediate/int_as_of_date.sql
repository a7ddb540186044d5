{#- The date every model is as of, worked out once (one row): var as_of_date when set, else the day after the last
    purchase in the data; never current_date (the data ends in 2018 and everybody would look lapsed). The RFM
    scores (int_customers_rfm_scored), the segment history's snapshots (int_purchases_aggregated_to_customer_snapshots)
    and the CLV inputs (clv_inputs) read it. With the var set, int_orders_enriched holds only the orders purchased
    before it, so last_purchase_date is always before as_of_date. -#}
with

purchases as (

    select purchased_at from {{ ref('int_orders_enriched') }}
    where is_purchase

),

last_purchase as (

    select max(cast(purchased_at as date)) as last_purchase_date
    from purchases

)

select
    cast(last_purchase_date as date) as last_purchase_date,
    {%- if var('as_of_date') %}
        cast('{{ var("as_of_date") }}' as date) as as_of_date
    {%- else %}
        cast({{ dbt.dateadd('day', 1, 'last_purchase_date') }} as date) as as_of_date
    {%- endif %}
from last_purchase
