{#- The input of roi.py's logistic regression of returning within 180 days: one row per combination of the
    first-purchase levers it adjusts for each other (lateness band, freight share, installments and items buckets of
    first_purchase_buckets, payment type, shipped from another state, customer region), with the people whose 180
    days are over and how many of them came back. A binomial model fitted on these rows is the same model as one
    fitted person by person (the likelihood only depends on the counts per combination), and it reads a few
    thousand rows instead of one per customer.
    Review score is not a lever here: a late delivery lowers it, so adjusting for it would hide part of lateness's
    effect (second_purchase_drivers shows return rates per review score); main category and state are in
    second_purchase_drivers only (too many levels for the model on a small shop's data). -#}
{%- set levers = ['days_late', 'freight_share', 'installments', 'items'] %}
{%- set bucketed = first_purchase_bucketed_factors() | selectattr(0, 'in', levers) | list %}

with

experience as (

    select * from {{ ref('first_purchase_experience') }}
    where returned_within_180d is not null

),

buckets as (

    select * from {{ ref('first_purchase_buckets') }}

),

states as (

    select * from {{ ref('brazil_states') }}

),

levels as (

    select
        {% for factor, value, missing in bucketed %}
            coalesce({{ factor }}_bucket.level, '{{ missing }}') as {{ factor }},
        {% endfor %}
        coalesce(experience.payment_type, 'unknown') as payment_type,
        case
            when experience.is_shipped_from_another_state then 'yes'
            when not experience.is_shipped_from_another_state then 'no'
            else 'unknown'
        end as is_shipped_from_another_state,
        coalesce(states.region, 'unknown') as customer_region,
        experience.returned_within_180d
    from experience
    {% for factor, value, missing in bucketed %}
        {{ first_purchase_bucket_join(factor, value, factor ~ '_bucket') }}
    {% endfor %}
    left join states
        on experience.customer_state = states.state_code

)

select
    cast(days_late as {{ dbt.type_string() }}) as days_late,
    cast(freight_share as {{ dbt.type_string() }}) as freight_share,
    cast(installments as {{ dbt.type_string() }}) as installments,
    cast(items as {{ dbt.type_string() }}) as items,
    cast(payment_type as {{ dbt.type_string() }}) as payment_type,
    cast(is_shipped_from_another_state as {{ dbt.type_string() }}) as is_shipped_from_another_state,
    cast(customer_region as {{ dbt.type_string() }}) as customer_region,
    cast(count(*) as integer) as people,
    cast(sum(case when returned_within_180d then 1 else 0 end) as integer) as returned
from levels
group by
    days_late,
    freight_share,
    installments,
    items,
    payment_type,
    is_shipped_from_another_state,
    customer_region
