{#- Migration between consecutive snapshot dates of segment_history: per pair of snapshots and (from, to)
    segment, the people who moved and their value. Nobody leaves the history once acquired, so every person of
    the later snapshot is either in the earlier one (from_segment = their segment then) or new between the two
    (from_segment = 'New': first purchase on or after the earlier snapshot). Only combinations with people.
    segment_history is read through three imports, one per use: PostgreSQL materialises a CTE referenced more than
    once and plans the joins over it on guesses (two external sorts of 7 M rows for a merge join: 4.5× this plan's
    time at 10× Olist, benchmarks/README.md); read directly, it hash-joins on the table's statistics. -#}
with

later_history as (

    select * from {{ ref('segment_history') }}

),

earlier_history as (

    select * from {{ ref('segment_history') }}

),

history_dates as (

    select distinct snapshot_date from {{ ref('segment_history') }}

),

snapshot_pairs as (

    select
        lag(snapshot_date) over (order by snapshot_date) as from_snapshot_date,
        snapshot_date as to_snapshot_date
    from history_dates

),

moves as (

    select
        snapshot_pairs.from_snapshot_date,
        snapshot_pairs.to_snapshot_date,
        coalesce(earlier.rfm_segment, 'New') as from_segment,
        coalesce(earlier.segment_order, 0) as from_segment_order,
        later.rfm_segment as to_segment,
        later.segment_order as to_segment_order,
        coalesce(earlier.monetary, 0) as from_monetary,
        later.monetary as to_monetary
    from snapshot_pairs
    inner join later_history as later
        on snapshot_pairs.to_snapshot_date = later.snapshot_date
    left join earlier_history as earlier
        on snapshot_pairs.from_snapshot_date = earlier.snapshot_date
        and later.customer_unique_id = earlier.customer_unique_id
    where snapshot_pairs.from_snapshot_date is not null

)

select
    cast(from_snapshot_date as date) as from_snapshot_date,
    cast(to_snapshot_date as date) as to_snapshot_date,
    cast(from_segment as {{ dbt.type_string() }}) as from_segment,
    cast(from_segment_order as integer) as from_segment_order,
    cast(to_segment as {{ dbt.type_string() }}) as to_segment,
    cast(to_segment_order as integer) as to_segment_order,
    cast(count(*) as integer) as people,
    cast(sum(from_monetary) as {{ money_type() }}) as from_revenue,
    cast(sum(to_monetary) as {{ money_type() }}) as to_revenue,
    cast('{{ var("rfm_scheme") }}' as {{ dbt.type_string() }}) as rfm_scheme
from moves
group by
    from_snapshot_date,
    to_snapshot_date,
    from_segment,
    from_segment_order,
    to_segment,
    to_segment_order
