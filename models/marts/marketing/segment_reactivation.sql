{#- The organic return rate: of the people in a segment at a snapshot date, how many purchased again within the
    next h months (var reactivation_horizons_months), with no campaign. Only snapshots whose h months are fully
    observed (snapshot + h months <= as_of_date) have a row for h; segment_reactivation_pooled pools them. -#}
{%- set horizons = var('reactivation_horizons_months') -%}
{%- if horizons is number -%}{%- set horizons = [horizons] -%}{%- endif -%}
{%- if horizons | length == 0 -%}
    {{ exceptions.raise_compiler_error("var reactivation_horizons_months must list at least one horizon") }}
{%- endif %}

with

history as (

    select * from {{ ref('segment_history') }}

),

as_of as (

    select max(as_of_date) as as_of_date
    from {{ ref('rfm_segments') }}

),

horizons as (

    {% for horizon in horizons %}
        select cast({{ horizon | int }} as {{ dbt.type_int() }}) as horizon_months
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

observed as (

    select
        history.snapshot_date,
        history.rfm_segment,
        history.segment_order,
        horizons.horizon_months,
        cast({{ dbt.dateadd('month', 'horizons.horizon_months', 'history.snapshot_date') }} as date)
            as observed_until,
        history.next_purchase_at,
        as_of.as_of_date
    from history
    cross join horizons
    cross join as_of

),

per_segment as (

    select
        snapshot_date,
        rfm_segment,
        segment_order,
        horizon_months,
        observed_until,
        count(*) as people,
        sum(
            case
                when next_purchase_at < cast(observed_until as {{ dbt.type_timestamp() }}) then 1
                else 0
            end
        ) as returned
    from observed
    where observed_until <= as_of_date
    group by
        snapshot_date,
        rfm_segment,
        segment_order,
        horizon_months,
        observed_until

)

select
    cast(snapshot_date as date) as snapshot_date,
    cast(rfm_segment as {{ dbt.type_string() }}) as rfm_segment,
    cast(segment_order as integer) as segment_order,
    cast(horizon_months as integer) as horizon_months,
    cast(observed_until as date) as observed_until,
    cast(people as integer) as people,
    cast(returned as integer) as returned,
    cast(returned as {{ double_type() }}) / people as return_rate,
    cast('{{ var("rfm_scheme") }}' as {{ dbt.type_string() }}) as rfm_scheme
from per_segment
