-- Why do new customers not come back? Second-purchase rate of people by what happened on their first purchase:
-- late delivery, shipped from a seller in another state, review score and payment type. Differences point at the
-- experience to fix.
with

orders as (

    select * from {{ ref('orders') }}
    where is_purchase

),

first_purchases as (

    select
        customer_unique_id,
        order_id,
        is_delivered_late,
        is_shipped_from_another_state,
        latest_review_score,
        main_payment_type,
        delivery_days,
        row_number() over (
            partition by customer_unique_id
            order by purchased_at asc, order_id asc
        ) as purchase_number
    from orders

),

people as (

    select
        first_purchases.customer_unique_id,
        first_purchases.is_delivered_late,
        first_purchases.is_shipped_from_another_state,
        first_purchases.latest_review_score,
        first_purchases.main_payment_type,
        customers.purchases > 1 as came_back
    from first_purchases
    inner join {{ ref('customers') }} as customers
        on first_purchases.customer_unique_id = customers.customer_unique_id
    where first_purchases.purchase_number = 1

),

by_driver as (

    select
        'first delivery late' as driver,
        cast(coalesce(is_delivered_late, false) as {{ dbt.type_string() }}) as driver_value,
        came_back
    from people
    union all
    select
        'first order shipped from another state' as driver,
        coalesce(cast(is_shipped_from_another_state as {{ dbt.type_string() }}), 'no items') as driver_value,
        came_back
    from people
    union all
    select
        'first review score' as driver,
        coalesce(cast(latest_review_score as {{ dbt.type_string() }}), 'no review') as driver_value,
        came_back
    from people
    union all
    select
        'first payment type' as driver,
        coalesce(main_payment_type, 'no payment') as driver_value,
        came_back
    from people

)

select
    driver,
    driver_value,
    count(*) as people,
    avg(case when came_back then 1.0 else 0.0 end) as came_back_rate
from by_driver
group by
    driver,
    driver_value
order by
    driver,
    driver_value
