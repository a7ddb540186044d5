{% test is_rfm_score(model, column_name) %}
{#- An RFM score: 1, 2, 3 or 4, never null. Fails with every other row. -#}
select {{ column_name }}
from {{ model }}
where {{ column_name }} is null or {{ column_name }} not in (1, 2, 3, 4)
{% endtest %}
