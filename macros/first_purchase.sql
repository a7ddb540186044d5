{% macro first_purchase_bucket_join(factor, value, alias) -%}
    {#- A left join to the seed first_purchase_buckets (imported as CTE `buckets`) that finds the bucket of
        `value` for `factor`: lower_bound <= value < upper_bound, open where a bound is empty; no match when value
        is null, so the caller labels missing values. Shared by second_purchase_drivers and
        second_purchase_patterns, so both bucket the same way. -#}
    left join buckets as {{ alias }}
        on
            {{ alias }}.factor = '{{ factor }}'
            and {{ value }} is not null
            and ({{ alias }}.lower_bound is null or {{ value }} >= {{ alias }}.lower_bound)
            and ({{ alias }}.upper_bound is null or {{ value }} < {{ alias }}.upper_bound)
{%- endmacro %}


{% macro first_purchase_bucketed_factors() -%}
    {#- The continuous factors of first_purchase_experience (imported as CTE `experience`) that are bucketed by
        first_purchase_buckets: (factor, value expression, label of a missing value). -#}
    {{ return([
        ('days_late', 'experience.days_late', 'not delivered'),
        ('delivery_days', 'experience.delivery_days', 'not delivered'),
        ('freight_share', 'experience.freight_share', 'no items'),
        ('installments', 'experience.installments', 'unknown'),
        ('items', 'nullif(experience.items, 0)', 'no items'),
    ]) }}
{%- endmacro %}
