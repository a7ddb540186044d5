{#- The organic return rate: of the people in a segment at a snapshot date, how many purchased again within the
    next h months (var reactivation_horizons_months), with no campaign. Only snapshots whose h months are fully
    observed (snapshot + h months <= as_of_date) have a row for h; segment_reactivation_pooled pools them.
    A person returned within h months of snapshot D when they purchased in [D, D + h months). Their first purchase
    on or after D is the purchase that followed their last purchase before D (segment_history's last_purchase_at:
    there is none in between), so it is found by an equality join on (person, purchase time) against each
    purchase's successor, not by a range join over the purchases (segment_history keeps nothing after D, so that
    its stored snapshots stay true as purchases arrive). Each person-snapshot row is read once; the horizons are
    columns of that one aggregation, turned into rows afterwards. -#}
{%- set horizons = var('reactivation_horizons_months') -%}
{%- if horizons is number -%}{%- set horizons = [horizons] -%}{%- endif -%}
{%- if horizons | length == 0 -%}
    {{ exceptions.raise_compiler_error("var reactivation_horizons_months must list at least one horizon") }}
{%- endif %}

with

history as (

    select
        snapshot_date,
        customer_unique_id,
        rfm_segment,
        segment_order,
        last_purchase_at
    from {{ ref('segment_history') }}

),

purchase_times as (

    select distinct
        customer_unique_id,
        purchased_at
    from {{ ref('int_orders_enriched') }}
    where is_purchase

),

next_purchase_times as (

    select
        customer_unique_id,
        purchased_at,
        lead(purchased_at) over (
            partition by customer_unique_id
            order by purchased_at
        ) as next_purchase_at
    from purchase_times

),

as_of as (

    select max(as_of_date) as as_of_date
    from {{ ref('rfm_segments') }}

),

per_segment as (

    select
        history.snapshot_date,
        history.rfm_segment,
        history.segment_order,
        count(*) as people,
        {% for horizon in horizons %}
            sum(
                case
                    when next_purchase_times.next_purchase_at < cast(
                        {{ dbt.dateadd('month', horizon | int, 'history.snapshot_date') }}
                        as {{ dbt.type_timestamp() }}
                    ) then 1
                    else 0
                end
            ) as returned_{{ loop.index }}{% if not loop.last %},{% endif %}
        {% endfor %}
    from history
    left join next_purchase_times
        on history.customer_unique_id = next_purchase_times.customer_unique_id
        and history.last_purchase_at = next_purchase_times.purchased_at
    group by
        history.snapshot_date,
        history.rfm_segment,
        history.segment_order

),

per_horizon as (

    {% for horizon in horizons %}
        select
            snapshot_date,
            rfm_segment,
            segment_order,
            {{ horizon | int }} as horizon_months,
            cast({{ dbt.dateadd('month', horizon | int, 'snapshot_date') }} as date) as observed_until,
            people,
            returned_{{ loop.index }} as returned
        from per_segment
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select
    cast(per_horizon.snapshot_date as date) as snapshot_date,
    cast(per_horizon.rfm_segment as {{ dbt.type_string() }}) as rfm_segment,
    cast(per_horizon.segment_order as integer) as segment_order,
    cast(per_horizon.horizon_months as integer) as horizon_months,
    cast(per_horizon.observed_until as date) as observed_until,
    cast(per_horizon.people as integer) as people,
    cast(per_horizon.returned as integer) as returned,
    cast(per_horizon.returned as {{ double_type() }}) / per_horizon.people as return_rate,
    cast('{{ var("rfm_scheme") }}' as {{ dbt.type_string() }}) as rfm_scheme
from per_horizon
cross join as_of
where per_horizon.observed_until <= as_of.as_of_date
