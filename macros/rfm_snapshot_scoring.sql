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



{% macro rfm_segment_of_scores(segment_rules) -%}
    {#- The score → segment mapping of the scheme in var rfm_scheme, as a query: the rule boxes of segment_rules (the
        relation of the rfm_segment_rules seed) expanded to the 64 (r, f, m) combinations of scores 1–4, one row each
        with its rfm_segment and segment_order. A model finds a person's segment with an equality join on
        (r_score, f_score, m_score): the rules partition the score cube (tested), so everybody gets exactly one
        segment. One definition for rfm_segments and segment_history, so both map scores the same way.
        distinct changes no row (each combination has one segment) but keeps PostgreSQL from folding these 64 rows
        into the big join of segment_history and planning them as one: it builds them once and hash-joins on
        (r, f, m). -#}
    with

    scheme_rules as (

        select * from {{ segment_rules }}
        where rfm_scheme = '{{ var("rfm_scheme") }}'

    ),

    score_values as (

        select cast(generated_number as {{ dbt.type_int() }}) as score
        from ({{ dbt.generate_series(4) }}) as series

    )

    select distinct
        r_values.score as r_score,
        f_values.score as f_score,
        m_values.score as m_score,
        scheme_rules.rfm_segment,
        scheme_rules.segment_order
    from score_values as r_values
    cross join score_values as f_values
    cross join score_values as m_values
    inner join scheme_rules
        on r_values.score between scheme_rules.r_score_min and scheme_rules.r_score_max
        and f_values.score between scheme_rules.f_score_min and scheme_rules.f_score_max
        and m_values.score between scheme_rules.m_score_min and scheme_rules.m_score_max
{%- endmacro %}
