with

scored as (

    select * from {{ ref('int_customers_rfm_scored') }}

),

segment_of_scores as (

    {#- The 64 (r, f, m) combinations with their segment (macro rfm_segment_of_scores, shared with segment_history). #}
    {{ rfm_segment_of_scores(ref('rfm_segment_rules')) }}

)

select
    cast(scored.customer_unique_id as {{ dbt.type_string() }}) as customer_unique_id,
    cast(scored.last_purchase_at as timestamp) as last_purchase_at,
    cast(scored.recency_days as integer) as recency_days,
    cast(scored.frequency as integer) as frequency,
    cast(scored.monetary as {{ money_type() }}) as monetary,
    cast(scored.r_score as integer) as r_score,
    cast(scored.f_score as integer) as f_score,
    cast(scored.m_score as integer) as m_score,
    cast(segment_of_scores.rfm_segment as {{ dbt.type_string() }}) as rfm_segment,
    cast(segment_of_scores.segment_order as integer) as segment_order,
    cast(scored.rfm_scheme as {{ dbt.type_string() }}) as rfm_scheme,
    cast(scored.as_of_date as date) as as_of_date
from scored
inner join segment_of_scores
    on scored.r_score = segment_of_scores.r_score
    and scored.f_score = segment_of_scores.f_score
    and scored.m_score = segment_of_scores.m_score
