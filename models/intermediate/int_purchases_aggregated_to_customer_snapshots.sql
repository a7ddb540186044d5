{#- Each person's purchase history as of each snapshot date: one row per person and snapshot, for the people
    acquired before the snapshot (first purchase before it). Snapshot dates are first days of months: the month
    of as_of_date (int_as_of_date), then every var segment_history_step_months months back, as far as var
    segment_history_months.
    A purchase counts for a snapshot purchased strictly before it (as for as_of_date), so it enters the first
    snapshot after its month begins: the first day of the next month.
    Computed without a person × month cross join: a person's purchases are summed per entry month, accumulated
    with window functions, and each accumulated state is joined to the snapshots from its entry month until the
    next one (a range join over the handful of snapshot dates). Nothing after the snapshot date is kept (what
    happened next would change the stored rows of an incremental segment_history as purchases arrive).
    Ephemeral: segment_history is its only reader, and storing its rows (people × snapshots) as a table of its
    own cost a quarter of the history's build time at 10× Olist (benchmarks/README.md). -#}
{{ config(materialized='ephemeral') }}
{%- set months_back = var('segment_history_months') | int -%}
{%- set step = var('segment_history_step_months') | int -%}
{%- if step < 1 or months_back < 0 -%}
    {{ exceptions.raise_compiler_error("vars segment_history_step_months must be >= 1 and segment_history_months >= 0") }}
{%- endif %}

with

purchases as (

    select
        customer_unique_id,
        purchased_at,
        order_revenue
    from {{ ref('int_orders_enriched') }}
    where is_purchase

),

as_of as (

    select as_of_date from {{ ref('int_as_of_date') }}

),

step_indexes as (

    select cast(generated_number - 1 as {{ dbt.type_int() }}) as step_index
    from ({{ dbt.generate_series(months_back // step + 1) }}) as series

),

snapshot_dates as (

    {#- distinct changes no row (the step indexes are distinct) but makes PostgreSQL compute these few dates once
        instead of re-evaluating the date arithmetic for every (person state, snapshot) pair of the range join. -#}
    select distinct
        cast(
            {{ dbt.dateadd('month', '-1 * ' ~ step ~ ' * step_indexes.step_index',
                           dbt.date_trunc('month', 'as_of.as_of_date')) }}
            as date
        ) as snapshot_date,
        as_of.as_of_date
    from step_indexes
    cross join as_of

),

purchases_per_entry_month as (

    select
        customer_unique_id,
        cast({{ dbt.dateadd('month', 1, dbt.date_trunc('month', 'purchased_at')) }} as date) as entry_month,
        count(*) as purchases,
        sum(order_revenue) as revenue,
        max(purchased_at) as last_purchase_at
    from purchases
    group by
        customer_unique_id,
        cast({{ dbt.dateadd('month', 1, dbt.date_trunc('month', 'purchased_at')) }} as date)

),

states as (

    select
        customer_unique_id,
        entry_month as valid_from,
        lead(entry_month) over (
            partition by customer_unique_id
            order by entry_month
        ) as valid_until,
        last_purchase_at,
        sum(purchases) over (
            partition by customer_unique_id
            order by entry_month
            rows between unbounded preceding and current row
        ) as frequency,
        sum(revenue) over (
            partition by customer_unique_id
            order by entry_month
            rows between unbounded preceding and current row
        ) as monetary
    from purchases_per_entry_month

)

select
    snapshot_dates.snapshot_date,
    states.customer_unique_id,
    states.last_purchase_at,
    cast(
        {{ dbt.datediff('cast(states.last_purchase_at as date)', 'snapshot_dates.snapshot_date', 'day') }}
        as {{ dbt.type_int() }}
    ) as recency_days,
    cast(states.frequency as {{ dbt.type_int() }}) as frequency,
    cast(states.monetary as {{ money_type() }}) as monetary
from states
inner join snapshot_dates
    on states.valid_from <= snapshot_dates.snapshot_date
    and (states.valid_until is null or states.valid_until > snapshot_dates.snapshot_date)
