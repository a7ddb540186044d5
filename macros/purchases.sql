{% macro purchase_statuses_sql() -%}
    {#- The var purchase_statuses as a SQL list: ('delivered', ...). The one definition of a purchase. -#}
    {%- set statuses = var('purchase_statuses') -%}
    {%- if statuses is string -%}{%- set statuses = [statuses] -%}{%- endif -%}
    {%- if statuses | length == 0 -%}
        {{ exceptions.raise_compiler_error("var purchase_statuses must list at least one order status") }}
    {%- endif -%}
    {{ quoted_list(statuses) }}
{%- endmacro %}


{% macro as_of_date_sql(last_purchase_date_expression) -%}
    {#- The reference date for recency: var as_of_date when set, else the day after the last purchase. -#}
    {%- if var('as_of_date') -%}
        cast('{{ var("as_of_date") }}' as date)
    {%- else -%}
        cast({{ dbt.dateadd('day', 1, last_purchase_date_expression) }} as date)
    {%- endif -%}
{%- endmacro %}


{% macro quoted_list(values) -%}
    ({% for value in values %}'{{ value }}'{{ ", " if not loop.last }}{% endfor %})
{%- endmacro %}
