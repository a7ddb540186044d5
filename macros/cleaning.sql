{% macro clean_zip_prefix(column) -%}
    {#- Zip prefixes are text with leading zeros. Copies that went through pandas hold integers (1529) or
        floats (1529.0): keep the digits before any decimal point and left-pad to 5. -#}
    lpad({{ dbt.split_part("trim(cast(" ~ column ~ " as " ~ dbt.type_string() ~ "))", "'.'", 1) }}, 5, '0')
{%- endmacro %}


{% macro normalize_city_name(column) -%}
    {#- Lowercase, accents removed, surrounding spaces trimmed and inner runs of spaces collapsed.
        Abbreviations ('sp', 'rj') are mapped afterwards through the city_name_fixes seed. -#}
    trim({{ collapse_spaces(
        "translate(lower(" ~ column ~ "), 'áàâãäéèêëíìîïóòôõöúùûüçñ', 'aaaaaeeeeiiiiooooouuuucn')"
    ) }})
{%- endmacro %}


{% macro collapse_spaces(expression) -%}
    {{ return(adapter.dispatch('collapse_spaces', 'customer_intel')(expression)) }}
{%- endmacro %}

{% macro default__collapse_spaces(expression) -%}
    regexp_replace({{ expression }}, ' +', ' ', 'g')
{%- endmacro %}

{% macro spark__collapse_spaces(expression) -%}
    regexp_replace({{ expression }}, ' +', ' ')
{%- endmacro %}


{% macro to_money(column) -%}
    {#- Money is BRL with cents. Raw numbers are doubles (pandas copies may carry 29.990000000000002):
        the cast rounds to cents and holds an exact decimal, so sums are identical on every engine. -#}
    cast({{ column }} as {{ money_type() }})
{%- endmacro %}


{% macro to_whole_number(column) -%}
    {#- Counts arrive as doubles in raw ('44.0' in pandas copies); a whole number is an integer. -#}
    cast({{ column }} as {{ dbt.type_int() }})
{%- endmacro %}
