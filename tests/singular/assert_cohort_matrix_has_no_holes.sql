-- Each cohort has one row for every month from 0 to the last month with purchases, and cohort sizes add up to
-- the number of purchasing people. Returns the cohorts whose row count is wrong, and a row if the sizes don't add up.
with

last_month as (

    select max(purchase_month) as last_purchase_month
    from {{ ref('orders') }}
    where is_purchase

),

per_cohort as (

    select
        cohort_month,
        count(*) as months_present,
        max(cohort_size) as cohort_size
    from {{ ref('cohort_retention') }}
    group by cohort_month

),

holes as (

    select
        per_cohort.cohort_month,
        per_cohort.months_present,
        {{ dbt.datediff('per_cohort.cohort_month', 'last_month.last_purchase_month', 'month') }} + 1
            as months_expected
    from per_cohort
    cross join last_month

)

select
    cohort_month,
    months_present,
    months_expected
from holes
where months_present <> months_expected

union all

select
    null as cohort_month,
    (select sum(cohort_size) from per_cohort) as months_present,
    (select count(*) from {{ ref('rfm_segments') }}) as months_expected
where (select sum(cohort_size) from per_cohort) <> (select count(*) from {{ ref('rfm_segments') }})
