{% macro tie_aware_quartile(order_by, partition_by=none) -%}
    {#- A 1–4 score from a person's rank: people with the same value share a rank (rank(), not
        row_number()), so equal behaviour always gets an equal score and no tie is split at random.
        Integer arithmetic inside floor() keeps the boundary identical on every engine. -#}
    {%- set partition = 'partition by ' ~ partition_by ~ ' ' if partition_by else '' %}
    cast(floor(4.0 * (rank() over ({{ partition }}order by {{ order_by }}) - 1) / count(*) over ({{ partition | trim }}))
        as {{ dbt.type_int() }}) + 1
{%- endmacro %}


{% macro reference_quartile(order_by, partition_by=none) -%}
    {#- The original project's NTILE(4), made deterministic with the tie-break the caller appends to
        order_by; the score rises along order_by (the original ordered recency ascending, so there the
        most recent quarter scores 1). Equal values can still land in different quartiles: that is the
        reference's defect, reproduced on purpose so its published table can be compared. -#}
    ntile(4) over ({{ 'partition by ' ~ partition_by ~ ' ' if partition_by }}order by {{ order_by }})
{%- endmacro %}
