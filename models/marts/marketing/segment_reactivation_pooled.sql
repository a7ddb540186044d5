{#- The organic return rate per segment and horizon over every fully observed snapshot of
    segment_reactivation, pooled: Σ returned / Σ people (person-snapshots), never an average of rates. -#}
with

reactivation as (

    select * from {{ ref('segment_reactivation') }}

),

pooled as (

    select
        rfm_segment,
        segment_order,
        horizon_months,
        count(*) as snapshots,
        min(snapshot_date) as first_snapshot_date,
        max(snapshot_date) as last_snapshot_date,
        sum(people) as people,
        sum(returned) as returned
    from reactivation
    group by
        rfm_segment,
        segment_order,
        horizon_months

)

select
    cast(rfm_segment as {{ dbt.type_string() }}) as rfm_segment,
    cast(segment_order as integer) as segment_order,
    cast(horizon_months as integer) as horizon_months,
    cast(snapshots as integer) as snapshots,
    cast(first_snapshot_date as date) as first_snapshot_date,
    cast(last_snapshot_date as date) as last_snapshot_date,
    cast(people as integer) as people,
    cast(returned as integer) as returned,
    cast(returned as {{ double_type() }}) / people as return_rate,
    cast('{{ var("rfm_scheme") }}' as {{ dbt.type_string() }}) as rfm_scheme
from pooled
