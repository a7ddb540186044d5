{#- Every person's RFM measures, scores and segment at each monthly snapshot date, scored per snapshot with the
    macros and the rules seed of rfm_segments: the rows of one snapshot date D are exactly rfm_segments built
    with var as_of_date = D. next_purchase_at is what happened next (known only after the snapshot date), kept
    so that return rates need no second pass over the purchases. -#}
{%- set scores = rfm_score_expressions(partition_by='snapshot_date') %}

with

snapshots as (

    select * from {{ ref('int_purchases_aggregated_to_customer_snapshots') }}

),

segment_rules as (

    select * from {{ ref('rfm_segment_rules') }}
    where rfm_scheme = '{{ var("rfm_scheme") }}'

),

score_values as (

    select cast(generated_number as {{ dbt.type_int() }}) as score
    from ({{ dbt.generate_series(4) }}) as series

),

segment_of_scores as (

    {#- The rules' ranges expanded to the 64 (r, f, m) combinations, so that millions of snapshot rows find their
        segment through an equality join instead of a range join (the rules partition the score cube: tested).
        distinct changes no row (each combination has one segment) but keeps PostgreSQL from folding these 64 rows
        into the big join and planning them as one: it builds them once and hash-joins on (r, f, m). -#}
    select distinct
        r_values.score as r_score,
        f_values.score as f_score,
        m_values.score as m_score,
        segment_rules.rfm_segment,
        segment_rules.segment_order
    from score_values as r_values
    cross join score_values as f_values
    cross join score_values as m_values
    inner join segment_rules
        on r_values.score between segment_rules.r_score_min and segment_rules.r_score_max
        and f_values.score between segment_rules.f_score_min and segment_rules.f_score_max
        and m_values.score between segment_rules.m_score_min and segment_rules.m_score_max

),

scored as (

    select
        snapshot_date,
        customer_unique_id,
        last_purchase_at,
        recency_days,
        frequency,
        monetary,
        next_purchase_at,
        {{ scores.r_score }} as r_score,
        {{ scores.f_score }} as f_score,
        {{ scores.m_score }} as m_score
    from snapshots

)

select
    cast(scored.snapshot_date as date) as snapshot_date,
    cast(scored.customer_unique_id as {{ dbt.type_string() }}) as customer_unique_id,
    cast(scored.last_purchase_at as timestamp) as last_purchase_at,
    cast(scored.recency_days as integer) as recency_days,
    cast(scored.frequency as integer) as frequency,
    cast(scored.monetary as numeric(18, 2)) as monetary,
    cast(scored.r_score as integer) as r_score,
    cast(scored.f_score as integer) as f_score,
    cast(scored.m_score as integer) as m_score,
    cast(segment_of_scores.rfm_segment as {{ dbt.type_string() }}) as rfm_segment,
    cast(segment_of_scores.segment_order as integer) as segment_order,
    cast('{{ var("rfm_scheme") }}' as {{ dbt.type_string() }}) as rfm_scheme,
    cast(scored.next_purchase_at as timestamp) as next_purchase_at
from scored
inner join segment_of_scores
    on scored.r_score = segment_of_scores.r_score
    and scored.f_score = segment_of_scores.f_score
    and scored.m_score = segment_of_scores.m_score
