{#- Every person's RFM measures, scores and segment at each monthly snapshot date, scored per snapshot with the
    macros and the rules seed of rfm_segments: the rows of one snapshot date D are exactly rfm_segments built
    with var as_of_date = D. Only what was known on D: what happened next (returns) is counted downstream, by
    segment_reactivation, from the purchases.
    Incremental (macros/segment_history_incremental.sql): a run computes only the snapshot dates it plans (missing
    ones, the var segment_history_lookback_months most recent, or all when the inputs' fingerprint changed), each
    date whole; a pre-hook removes those dates and the dates off the grid first, a post-hook stores the
    fingerprint. DuckDB/PostgreSQL: the pre-hook's delete, then an append of the computed dates, in one
    transaction (delete+insert would delete the same dates a second time through a join against the new rows: 9.5
    of 29 s at 10× Olist on DuckDB); PostgreSQL's indexes are dropped by the pre-hook and built again by the
    post-hook; Spark: insert_overwrite of snapshot_date partitions. The dates are inlined as
    literals: the model never reads the table it writes. -#}
-- depends_on: {{ ref('int_as_of_date') }}
{{ config(
    materialized='incremental',
    incremental_strategy='insert_overwrite' if target.type == 'spark' else 'append',
    partition_by='snapshot_date' if target.type == 'spark' else none,
    on_schema_change='fail',
    pre_hook="{{ segment_history_clear_snapshots() }}",
    post_hook="{{ segment_history_store_fingerprint() }}",
) }}
{%- set plan = segment_history_plan() %}
{%- set scores = rfm_score_expressions(partition_by='snapshot_date') %}

with

snapshots as (

    select * from {{ ref('int_purchases_aggregated_to_customer_snapshots') }}
    {%- if not plan.full %}
        where snapshot_date in ({{ segment_history_date_list(plan.compute) }})
    {%- endif %}

),

segment_of_scores as (

    {#- The 64 (r, f, m) combinations with their segment (macro rfm_segment_of_scores, shared with rfm_segments), so
        that millions of snapshot rows find their segment through an equality join instead of a range join. #}
    {{ rfm_segment_of_scores(ref('rfm_segment_rules')) }}

),

scored as (

    select
        snapshot_date,
        customer_unique_id,
        last_purchase_at,
        recency_days,
        frequency,
        monetary,
        {{ scores.r_score }} as r_score,
        {{ scores.f_score }} as f_score,
        {{ scores.m_score }} as m_score
    from snapshots

)

select
    cast(scored.snapshot_date as date) as snapshot_date,
    cast(scored.customer_unique_id as {{ contract_text_type() }}) as customer_unique_id,
    cast(scored.last_purchase_at as timestamp) as last_purchase_at,
    cast(scored.recency_days as integer) as recency_days,
    cast(scored.frequency as integer) as frequency,
    cast(scored.monetary as {{ money_type() }}) as monetary,
    cast(scored.r_score as integer) as r_score,
    cast(scored.f_score as integer) as f_score,
    cast(scored.m_score as integer) as m_score,
    cast(segment_of_scores.rfm_segment as {{ contract_text_type() }}) as rfm_segment,
    cast(segment_of_scores.segment_order as integer) as segment_order,
    cast('{{ var("rfm_scheme") }}' as {{ contract_text_type() }}) as rfm_scheme
from scored
inner join segment_of_scores
    on scored.r_score = segment_of_scores.r_score
    and scored.f_score = segment_of_scores.f_score
    and scored.m_score = segment_of_scores.m_score
