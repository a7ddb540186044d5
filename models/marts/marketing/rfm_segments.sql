with

scored as (

    select * from {{ ref('int_customers_rfm_scored') }}

),

segment_rules as (

    select * from {{ ref('rfm_segment_rules') }}
    where rfm_scheme = '{{ var("rfm_scheme") }}'

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
    cast(segment_rules.rfm_segment as {{ dbt.type_string() }}) as rfm_segment,
    cast(segment_rules.segment_order as integer) as segment_order,
    cast(scored.rfm_scheme as {{ dbt.type_string() }}) as rfm_scheme,
    cast(scored.as_of_date as date) as as_of_date
from scored
inner join segment_rules
    on scored.r_score between segment_rules.r_score_min and segment_rules.r_score_max
    and scored.f_score between segment_rules.f_score_min and segment_rules.f_score_max
    and scored.m_score between segment_rules.m_score_min and segment_rules.m_score_max
