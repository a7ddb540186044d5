{#- Physical design for the engines that have it. Indexes are declared per model with dbt's `indexes` config
    (dbt_project.yml); only PostgreSQL builds them. Planner statistics are refreshed after every table is built. -#}

{% macro duckdb__get_create_index_sql(relation, index_dict) -%}
    {#- DuckDB: no indexes. Its scans use zone maps, an ART index costs build time and memory on every table it
        is declared on, and its unique indexes reject the delete-and-reinsert of a second `dbt seed`. -#}
    {% do return(None) %}
{%- endmacro %}


{% macro analyze_after_build() -%}
    {{ return(adapter.dispatch('analyze_after_build', 'customer_intel')()) }}
{%- endmacro %}

{% macro default__analyze_after_build() -%}
{%- endmacro %}

{% macro postgres__analyze_after_build() -%}
    {#- PostgreSQL does not analyse a table that has just been created: until autovacuum gets to it, the queries
        that read it next (the data tests and the marts downstream) are planned on default guesses. -#}
    {%- if config.get('materialized') in ('table', 'incremental', 'seed') -%}
        analyze {{ this }}
    {%- endif -%}
{%- endmacro %}


{% macro avoid_nested_loops() -%}
    {{ return(adapter.dispatch('avoid_nested_loops', 'customer_intel')()) }}
{%- endmacro %}

{% macro default__avoid_nested_loops() -%}
{%- endmacro %}

{% macro postgres__avoid_nested_loops() -%}
    {#- Pre-hook of models whose CTEs are read more than once: PostgreSQL (before 17) materialises such a CTE and
        plans what reads it on default guesses (200 rows), and on a million people it chose a nested loop between
        two of them that did not end in an hour at 10× Olist. Inside the model's transaction only (set local). -#}
    set local enable_nestloop = off
{%- endmacro %}
