{% macro rfm_score_expressions(partition_by=none) -%}
    {#- The r, f and m score expressions of the scheme in var rfm_scheme, as a dict {r_score, f_score, m_score}
        of SQL over columns recency_days, frequency, monetary and customer_unique_id. One definition for
        int_customers_rfm_scored (everybody scored together, as of one date) and segment_history (each snapshot
        date scored on its own: partition_by = 'snapshot_date'), so both score a person the same way. -#}
    {%- set scheme = var('rfm_scheme') -%}
    {%- if scheme not in ['tie_aware', 'reference'] -%}
        {{ exceptions.raise_compiler_error("var rfm_scheme must be 'tie_aware' or 'reference', got '" ~ scheme ~ "'") }}
    {%- endif -%}
    {%- if scheme == 'reference' -%}
        {{ return({
            'r_score': reference_quartile('recency_days asc, customer_unique_id asc', partition_by),
            'f_score': reference_quartile('frequency asc, monetary asc, customer_unique_id asc', partition_by),
            'm_score': reference_quartile('monetary asc, customer_unique_id asc', partition_by),
        }) }}
    {%- else -%}
        {{ return({
            'r_score': tie_aware_quartile('recency_days desc', partition_by),
            'f_score': 'case when frequency >= 4 then 4 else frequency end',
            'm_score': tie_aware_quartile('monetary asc', partition_by),
        }) }}
    {%- endif -%}
{%- endmacro %}

