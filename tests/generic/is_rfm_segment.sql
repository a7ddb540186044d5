{% test is_rfm_segment(model, column_name) %}
{#- A segment name of the rfm_segment_rules seed (the seed owns the names), never null. Fails with every other row
    (a null matches no segment). The model is read in a CTE so that a `where` config (which makes it a subquery)
    works too. -#}
with

tested as (

    select {{ column_name }} as rfm_segment from {{ model }}

),

segments as (

    select distinct rfm_segment from {{ ref('rfm_segment_rules') }}

)

select tested.rfm_segment
from tested
left join segments
    on tested.rfm_segment = segments.rfm_segment
where segments.rfm_segment is null
{% endtest %}
