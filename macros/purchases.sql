{% macro purchase_statuses_sql() -%}
    {#- The var purchase_statuses as a SQL list: ('delivered', ...). The one definition of a purchase. -#}
    {%- set statuses = var('purchase_statuses') -%}
    {%- if statuses is string -%}{%- set statuses = [statuses] -%}{%- endif -%}
    {%- if statuses | length == 0 -%}
        {{ exceptions.raise_compiler_error("var purchase_statuses must list at least one order status") }}
    {%- endif -%}
    {{ quoted_list(statuses) }}
{%- endmacro %}


{% macro quoted_list(values) -%}
    ({% for value in values %}'{{ value }}'{{ ", " if not loop.last }}{% endfor %})
{%- endmacro %}
