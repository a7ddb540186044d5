-- Within each scheme, the rule boxes of rfm_segment_rules cover every (r, f, m) score combination 1–4 exactly
-- once, so segment assignment never loses a person nor gives anyone two segments, whatever the data.
-- Returns each uncovered or doubly covered combination.
with

scores as (

    select generated_number as score
    from ({{ dbt.generate_series(4) }}) as series

),

cube as (

    select
        schemes.rfm_scheme,
        r.score as r_score,
        f.score as f_score,
        m.score as m_score
    from (select distinct rfm_scheme from {{ ref('rfm_segment_rules') }}) as schemes
    cross join scores as r
    cross join scores as f
    cross join scores as m

)

select
    cube.rfm_scheme,
    cube.r_score,
    cube.f_score,
    cube.m_score,
    count(rules.rfm_segment) as matching_rules
from cube
left join {{ ref('rfm_segment_rules') }} as rules
    on cube.rfm_scheme = rules.rfm_scheme
    and cube.r_score between rules.r_score_min and rules.r_score_max
    and cube.f_score between rules.f_score_min and rules.f_score_max
    and cube.m_score between rules.m_score_min and rules.m_score_max
group by
    cube.rfm_scheme,
    cube.r_score,
    cube.f_score,
    cube.m_score
having count(rules.rfm_segment) <> 1
