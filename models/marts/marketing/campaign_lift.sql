{#- Each campaign's measured effect: the treatment group's conversion rate minus the control group's (the lift),
    with a 95 % interval (Newcombe's hybrid score interval: each rate's Wilson interval combined, so it stays
    sensible at the very low conversion rates of lapsed customers and at zero buyers) and the two-sided p-value of
    the two-proportion z-test with the pooled rate (1 when nobody, or everybody, bought). incremental_buyers =
    lift × treatment people; incremental_revenue = (treatment revenue per person − control revenue per person) ×
    treatment people. A campaign without a control group has no lift (nulls). is_window_complete false = provisional:
    the window has not ended by as_of_date. -#}
{%- set z = 1.959963984540054 %}

with

results as (

    select * from {{ ref('campaign_results') }}

),

groups as (

    select
        campaign_id,
        sum(case when campaign_group = 'treatment' then people else 0 end) as treatment_people,
        sum(case when campaign_group = 'treatment' then buyers else 0 end) as treatment_buyers,
        sum(case when campaign_group = 'treatment' then revenue else 0 end) as treatment_revenue,
        sum(case when campaign_group = 'control' then people else 0 end) as control_people,
        sum(case when campaign_group = 'control' then buyers else 0 end) as control_buyers,
        sum(case when campaign_group = 'control' then revenue else 0 end) as control_revenue,
        max(window_ends_at) as window_ends_at,
        min(case when is_window_complete then 1 else 0 end) = 1 as is_window_complete
    from results
    group by campaign_id

),

rates as (

    select
        *,
        cast(treatment_buyers as {{ double_type() }}) / nullif(treatment_people, 0) as treatment_rate,
        cast(control_buyers as {{ double_type() }}) / nullif(control_people, 0) as control_rate,
        cast(treatment_buyers + control_buyers as {{ double_type() }})
        / nullif(treatment_people + control_people, 0) as pooled_rate
    from groups

),

wilson as (

    select
        *,
        {{ wilson_bound('treatment_rate', 'treatment_people', z, -1) }} as treatment_lower,
        {{ wilson_bound('treatment_rate', 'treatment_people', z, 1) }} as treatment_upper,
        {{ wilson_bound('control_rate', 'control_people', z, -1) }} as control_lower,
        {{ wilson_bound('control_rate', 'control_people', z, 1) }} as control_upper,
        sqrt(pooled_rate * (1 - pooled_rate) * (1.0 / nullif(treatment_people, 0) + 1.0 / nullif(control_people, 0)))
            as null_standard_error
    from rates

),

tested as (

    select
        *,
        treatment_rate - control_rate as lift,
        case
            when null_standard_error > 0 then abs(treatment_rate - control_rate) / null_standard_error
            when null_standard_error = 0 then 0.0
        end as z_statistic
    from wilson

)

select
    cast(campaign_id as {{ dbt.type_string() }}) as campaign_id,
    cast(treatment_people as integer) as treatment_people,
    cast(treatment_buyers as integer) as treatment_buyers,
    cast(control_people as integer) as control_people,
    cast(control_buyers as integer) as control_buyers,
    cast(treatment_rate as {{ double_type() }}) as treatment_conversion_rate,
    cast(control_rate as {{ double_type() }}) as control_conversion_rate,
    cast(lift as {{ double_type() }}) as lift,
    cast(
        {{ newcombe_difference_bound('treatment_rate', 'treatment_lower', 'treatment_upper',
                                     'control_rate', 'control_lower', 'control_upper', -1) }}
        as {{ double_type() }}
    ) as lift_lower_95,
    cast(
        {{ newcombe_difference_bound('treatment_rate', 'treatment_lower', 'treatment_upper',
                                     'control_rate', 'control_lower', 'control_upper', 1) }}
        as {{ double_type() }}
    ) as lift_upper_95,
    cast({{ normal_two_sided_p_value('z_statistic') }} as {{ double_type() }}) as p_value,
    cast(lift * treatment_people as {{ double_type() }}) as incremental_buyers,
    cast(
        (
            cast(treatment_revenue as {{ double_type() }}) / nullif(treatment_people, 0)
            - cast(control_revenue as {{ double_type() }}) / nullif(control_people, 0)
        ) * treatment_people
        as {{ double_type() }}
    ) as incremental_revenue,
    cast(window_ends_at as timestamp) as window_ends_at,
    is_window_complete
from tested
