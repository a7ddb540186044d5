{#- The organic return rate: of the people in a segment at a snapshot date, how many purchased again within the
    next h months (var reactivation_horizons_months), with no campaign. Only snapshots whose h months are fully
    observed (snapshot + h months <= as_of_date) have a row for h; segment_reactivation_pooled pools them.
    A person returned within h months of snapshot D when they purchased in [D, D + h months): their first purchase
    in [D, D + the longest horizon) is found from the purchases (segment_history keeps nothing after D, so that
    its stored snapshots stay true as purchases arrive), and compared with each horizon's end. -#}
{%- set horizons = var('reactivation_horizons_months') -%}
{%- if horizons is number -%}{%- set horizons = [horizons] -%}{%- endif -%}
{%- if horizons | length == 0 -%}
    {{ exceptions.raise_compiler_error("var reactivation_horizons_months must list at least one horizon") }}
{%- endif %}
{%- set longest_horizon = horizons | map('int') | max %}

with

history as (

    select * from {{ ref('segment_history') }}

),

purchases as (

    select
        customer_unique_id,
        purchased_at
    from {{ ref('int_orders_enriched') }}
    where is_purchase

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

next_purchases as (

    {#- Each person-snapshot with their first purchase on or after the snapshot date, within the longest horizon
        (null if none): enough to tell a return within every horizon. -#}
    select
        history.snapshot_date,
        history.customer_unique_id,
        history.rfm_segment,
        history.segment_order,
        min(purchases.purchased_at) as next_purchase_at
    from history
    left join purchases
        on history.customer_unique_id = purchases.customer_unique_id
        and purchases.purchased_at >= cast(history.snapshot_date as {{ dbt.type_timestamp() }})
        and purchases.purchased_at < cast(
            {{ dbt.dateadd('month', longest_horizon, 'history.snapshot_date') }} as {{ dbt.type_timestamp() }}
        )
    group by
        history.snapshot_date,
        history.customer_unique_id,
        history.rfm_segment,
        history.segment_order

),

observed as (

    select
        next_purchases.snapshot_date,
        next_purchases.rfm_segment,
        next_purchases.segment_order,
        horizons.horizon_months,
        cast({{ dbt.dateadd('month', 'horizons.horizon_months', 'next_purchases.snapshot_date') }} as date)
            as observed_until,
        next_purchases.next_purchase_at,
        as_of.as_of_date
    from next_purchases
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
