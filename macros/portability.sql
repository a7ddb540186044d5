{#- Type names that differ between the engines this project runs on (DuckDB, PostgreSQL, Spark). Models spell
    text as dbt.type_string() and money as money_type(); doubles have no dbt cross-database macro, hence
    double_type(). Contracts in the YAML files keep the standard names (varchar, double precision), which
    spark__get_empty_schema_sql translates for Spark. -#}

{% macro money_type() -%}
    {#- Money is BRL with cents, an exact decimal (sums are identical on every engine); Spark has the same name. -#}
    numeric(18, 2)
{%- endmacro %}


{% macro double_type() -%}
    {{ return(adapter.dispatch('double_type', 'customer_intel')()) }}
{%- endmacro %}

{% macro default__double_type() -%}
    double precision
{%- endmacro %}

{% macro spark__double_type() -%}
    double
{%- endmacro %}


{% macro spark_type_name(data_type) -%}
    {#- A standard SQL type name as Spark spells it: varchar/text → string, double precision → double;
        varchar(n) and every other name unchanged. -#}
    {%- set normalised = data_type.strip().lower() | replace('  ', ' ') -%}
    {%- set spark_names = {'varchar': 'string', 'text': 'string', 'character varying': 'string',
                           'double precision': 'double', 'float8': 'double'} -%}
    {{- spark_names.get(normalised, data_type) -}}
{%- endmacro %}


{% macro spark__get_empty_schema_sql(columns) -%}
    {#- dbt checks an enforced contract by comparing the model's column types with those of
        `select cast(null as <data_type>) as <column>, ...` built from the YAML. Spark rejects varchar
        without a length and double precision, so translate the YAML's standard names first, then build the
        query as dbt does (default__get_empty_schema_sql). -#}
    {%- set translated = {} -%}
    {%- for name in columns -%}
        {%- set column = columns[name].copy() if columns[name] is mapping else columns[name] -%}
        {%- if column['data_type'] is defined and column['data_type'] is not none -%}
            {%- do column.update({'data_type': spark_type_name(column['data_type'])}) -%}
        {%- endif -%}
        {%- do translated.update({name: column}) -%}
    {%- endfor -%}
    {{ return(dbt.default__get_empty_schema_sql(translated)) }}
{%- endmacro %}


{% macro spark__dateadd(datepart, interval, from_date_or_timestamp) -%}
    {#- dbt-spark's dateadd goes through Unix seconds and to_timestamp(<number>), which depends on the session time
        zone and fails when timestamps have no time zone (spark.sql.timestampType = TIMESTAMP_NTZ, as in this
        project's profile). Spark has calendar arithmetic built in since 3.3: timestampadd. -#}
    timestampadd({{ datepart }}, {{ interval }}, cast({{ from_date_or_timestamp }} as timestamp))
{%- endmacro %}


{% macro contract_text_type() -%}
    {#- The contracts' `varchar` as the engine spells it (Spark: string), for an incremental model's text columns:
        its later runs compare the rows they compute with the table the contract created, and on PostgreSQL
        dbt.type_string() (text) against the contract's character varying counts as a schema change. -#}
    {{ return('string' if target.type == 'spark' else 'varchar') }}
{%- endmacro %}
