{% test is_fraction(model, column_name) %}
{#- A share or rate as a fraction in [0, 1], never null. Fails with every other row. -#}
select {{ column_name }}
from {{ model }}
where {{ column_name }} is null or {{ column_name }} < 0 or {{ column_name }} > 1
{% endtest %}
