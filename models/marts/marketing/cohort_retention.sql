{#- Monthly acquisition cohorts (month of a person's first purchase) and the share of each cohort purchasing
    again k months later. Every (cohort, k) from 0 to the last month with purchases is present, zero-activity
    months included, so the matrix has no holes. Month 0 is 1 by construction. -#}
{%- set max_months = var('cohort_max_months') -%}

with

purchases as (

    select * from {{ ref('int_orders_enriched') }}
    where is_purchase

),

customer_cohorts as (

    select
        customer_unique_id,
        cohort_month
    from {{ ref('int_purchases_aggregated_to_customers') }}

),

cohort_sizes as (

    select
        cohort_month,
        count(*) as cohort_size
    from customer_cohorts
    group by cohort_month

),

last_month as (

    select max(purchase_month) as last_purchase_month
    from purchases

),

month_offsets as (

    select cast(generated_number - 1 as {{ dbt.type_int() }}) as months_since_first_purchase
    from ({{ dbt.generate_series(max_months) }}) as series

),

cohort_grid as (

    select
        cohort_sizes.cohort_month,
        month_offsets.months_since_first_purchase,
        cohort_sizes.cohort_size
    from cohort_sizes
    cross join month_offsets
    cross join last_month
    where
        {{ dbt.dateadd('month', 'month_offsets.months_since_first_purchase', 'cohort_sizes.cohort_month') }}
        <= last_month.last_purchase_month

),

activity as (

    select distinct
        purchases.customer_unique_id,
        customer_cohorts.cohort_month,
        {{ dbt.datediff('customer_cohorts.cohort_month', 'purchases.purchase_month', 'month') }}
            as months_since_first_purchase
    from purchases
    inner join customer_cohorts
        on purchases.customer_unique_id = customer_cohorts.customer_unique_id

),

active_per_month as (

    select
        cohort_month,
        months_since_first_purchase,
        count(*) as active_customers
    from activity
    group by
        cohort_month,
        months_since_first_purchase

)

select
    cast(cohort_grid.cohort_month as date) as cohort_month,
    cast(cohort_grid.months_since_first_purchase as integer) as months_since_first_purchase,
    cast(cohort_grid.cohort_size as integer) as cohort_size,
    cast(coalesce(active_per_month.active_customers, 0) as integer) as active_customers,
    cast(coalesce(active_per_month.active_customers, 0) as {{ double_type() }})
    / cohort_grid.cohort_size as retention_rate
from cohort_grid
left join active_per_month
    on cohort_grid.cohort_month = active_per_month.cohort_month
    and cohort_grid.months_since_first_purchase = active_per_month.months_since_first_purchase
