{% test is_rfm_segment(model, column_name) %}
{#- A segment name of the rfm_segment_rules seed (the seed owns the names), never null. Fails with every other row
    (a null matches no segment). -#}
select tested.{{ column_name }}
from {{ model }} as tested
left join (select distinct rfm_segment from {{ ref('rfm_segment_rules') }}) as segments
    on tested.{{ column_name }} = segments.rfm_segment
where segments.rfm_segment is null
{% endtest %}
