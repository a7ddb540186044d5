{% macro purchased_before_as_of(purchased_at_column) -%}
    {#- True for an order purchased before var as_of_date (any order when the var is not set): the point-in-time
        filter, applied once where orders enter the intermediate layer (int_orders_enriched), so every model
        downstream sees the shop as it was on that date. -#}
    {%- if var('as_of_date') -%}
        {{ purchased_at_column }} < cast('{{ var("as_of_date") }}' as {{ dbt.type_timestamp() }})
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}
