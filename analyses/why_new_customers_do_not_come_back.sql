-- Why do new customers not come back? The 180-day return rate of new customers by what happened on their first
-- purchase (late delivery, review score, shipped from another state, payment type), from first_purchase_experience:
-- a purchase is a calendar day, so an order placed the same day as the first (a split basket) is not a return, and
-- people whose 180 days are not over yet are left out instead of counted as lost. second_purchase_drivers has these
-- rates for every factor with their 95 % intervals; roi.py adjusts them for each other (logistic regression).
with

people as (

    select
        coalesce(cast(is_late as {{ dbt.type_string() }}), 'not delivered') as first_delivery_late,
        coalesce(
            cast(is_shipped_from_another_state as {{ dbt.type_string() }}), 'no items'
        ) as shipped_from_another_state,
        coalesce(cast(review_score as {{ dbt.type_string() }}), 'no review') as first_review_score,
        coalesce(payment_type, 'no payment') as first_payment_type,
        returned_within_180d
    from {{ ref('first_purchase_experience') }}
    where returned_within_180d is not null

),

by_driver as (

    select
        'first delivery late' as driver,
        first_delivery_late as driver_value,
        returned_within_180d
    from people
    union all
    select
        'first order shipped from another state' as driver,
        shipped_from_another_state as driver_value,
        returned_within_180d
    from people
    union all
    select
        'first review score' as driver,
        first_review_score as driver_value,
        returned_within_180d
    from people
    union all
    select
        'first payment type' as driver,
        first_payment_type as driver_value,
        returned_within_180d
    from people

)

select
    driver,
    driver_value,
    count(*) as people,
    avg(case when returned_within_180d then 1.0 else 0.0 end) as returned_within_180d_rate
from by_driver
group by
    driver,
    driver_value
order by
    driver,
    driver_value
