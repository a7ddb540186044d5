{#- What brings new customers back, factor by factor: for each first-purchase factor and level, the people whose
    180-day window is over (first_purchase_experience.returned_within_180d not null), how many came back on
    another day within 180 days, the return rate with its Wilson 95 % interval, and its difference from everyone
    else (the other levels of the factor) with Newcombe's hybrid score 95 % interval; beside it the mean review
    score of the level's first purchases (all reviewed ones, window over or not) with its normal 95 % interval.
    Continuous factors are bucketed by the seed first_purchase_buckets (lower_bound <= value < upper_bound);
    a missing value is a level of its own (not delivered, no review, unknown). Each row compares one level with the
    rest, unadjusted: roi.py fits the adjusted effects (a logistic regression on second_purchase_patterns). -#}
{%- set z = 1.959963984540054 %}
{%- set bucketed = first_purchase_bucketed_factors() %}
{#- (factor, level expression, order expression) of the categorical ones; a missing level sorts last. -#}
{%- set categorical = [
    ('is_late', "case when is_late then 'late' when not is_late then 'on time or early' else 'not delivered' end",
     'case when is_late then 2 when not is_late then 1 else 3 end'),
    ('review_score', "coalesce(cast(review_score as " ~ dbt.type_string() ~ "), 'no review')",
     'coalesce(review_score, 6)'),
    ('payment_type', "coalesce(payment_type, 'unknown')", 'case when payment_type is null then 2 else 1 end'),
    ('main_category', "coalesce(main_category, 'unknown')", 'case when main_category is null then 2 else 1 end'),
    ('is_shipped_from_another_state',
     "case when is_shipped_from_another_state then 'yes' when not is_shipped_from_another_state then 'no' else 'unknown' end",
     'case when is_shipped_from_another_state then 2 when not is_shipped_from_another_state then 1 else 3 end'),
    ('customer_state', "coalesce(customer_state, 'unknown')", 'case when customer_state is null then 2 else 1 end'),
] %}

with

experience as (

    select * from {{ ref('first_purchase_experience') }}

),

buckets as (

    select * from {{ ref('first_purchase_buckets') }}

),

levels as (

    {% for factor, value, missing in bucketed %}
        select
            '{{ factor }}' as factor,
            coalesce(bucket.level, '{{ missing }}') as level,
            coalesce(bucket.level_order, 1000) as level_rank,
            experience.returned_within_180d,
            experience.review_score
        from experience
        {{ first_purchase_bucket_join(factor, value, 'bucket') }}
        union all
    {% endfor %}
    {% for factor, level, rank in categorical %}
        select
            '{{ factor }}' as factor,
            {{ level }} as level,
            {{ rank }} as level_rank,
            returned_within_180d,
            review_score
        from experience
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

per_level as (

    select
        factor,
        level,
        min(level_rank) as level_rank,
        sum(case when returned_within_180d is not null then 1 else 0 end) as people,
        sum(case when returned_within_180d then 1 else 0 end) as returned,
        count(review_score) as reviewed_people,
        avg(cast(review_score as {{ double_type() }})) as mean_review_score,
        stddev_samp(cast(review_score as {{ double_type() }})) as review_score_sd
    from levels
    group by
        factor,
        level

),

with_rest as (

    select
        factor,
        level,
        level_rank,
        people,
        returned,
        reviewed_people,
        mean_review_score,
        review_score_sd,
        sum(people) over (partition by factor) - people as rest_people,
        sum(returned) over (partition by factor) - returned as rest_returned
    from per_level

),

rates as (

    select
        *,
        cast(returned as {{ double_type() }}) / nullif(people, 0) as return_rate,
        cast(rest_returned as {{ double_type() }}) / nullif(rest_people, 0) as rest_return_rate
    from with_rest

),

wilson as (

    select
        *,
        {{ wilson_bound('return_rate', 'people', z, -1) }} as return_rate_lower,
        {{ wilson_bound('return_rate', 'people', z, 1) }} as return_rate_upper,
        {{ wilson_bound('rest_return_rate', 'rest_people', z, -1) }} as rest_return_rate_lower,
        {{ wilson_bound('rest_return_rate', 'rest_people', z, 1) }} as rest_return_rate_upper
    from rates

)

select
    cast(factor as {{ dbt.type_string() }}) as factor,
    cast(level as {{ dbt.type_string() }}) as level,
    cast(dense_rank() over (partition by factor order by level_rank, level) as integer) as level_order,
    cast(people as integer) as people,
    cast(returned as integer) as returned,
    cast(return_rate as {{ double_type() }}) as return_rate,
    cast(return_rate_lower as {{ double_type() }}) as return_rate_lower_95,
    cast(return_rate_upper as {{ double_type() }}) as return_rate_upper_95,
    cast(rest_people as integer) as rest_people,
    cast(rest_returned as integer) as rest_returned,
    cast(rest_return_rate as {{ double_type() }}) as rest_return_rate,
    cast(return_rate - rest_return_rate as {{ double_type() }}) as difference_from_rest,
    cast(
        {{ newcombe_difference_bound('return_rate', 'return_rate_lower', 'return_rate_upper',
                                     'rest_return_rate', 'rest_return_rate_lower', 'rest_return_rate_upper', -1) }}
        as {{ double_type() }}
    ) as difference_lower_95,
    cast(
        {{ newcombe_difference_bound('return_rate', 'return_rate_lower', 'return_rate_upper',
                                     'rest_return_rate', 'rest_return_rate_lower', 'rest_return_rate_upper', 1) }}
        as {{ double_type() }}
    ) as difference_upper_95,
    cast(reviewed_people as integer) as reviewed_people,
    cast(mean_review_score as {{ double_type() }}) as mean_review_score,
    cast(
        mean_review_score - {{ z }} * review_score_sd / sqrt(nullif(reviewed_people, 0))
        as {{ double_type() }}
    ) as review_score_lower_95,
    cast(
        mean_review_score + {{ z }} * review_score_sd / sqrt(nullif(reviewed_people, 0))
        as {{ double_type() }}
    ) as review_score_upper_95
from wilson
