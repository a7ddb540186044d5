{#- What each person's first purchase was like, and whether they came back: one row per purchasing person.
    A purchase is a calendar day (orders placed on one day, split baskets, are one purchase, as in clv_inputs), so
    the first purchase is every purchase order of the person's first purchase day, and coming back means a purchase
    on a later day: an order on the same day is never a return.
    The experience of a multi-order first purchase: delivered only when every order was delivered, then its
    delivery_days and days_late are those of the last order to arrive (the basket is complete then); the lowest
    review score given to its orders; freight share, items and installments of the whole basket; the payment type
    of its largest payment; the main category by item revenue (ties by name); shipped from another state when any
    of its orders was; customer_state of its first order.
    returned_within_90d / _180d: a purchase 1 to 90 (180) days after the first purchase day; null while that window
    is not over by as_of_date (its last day must be before as_of_date, the first day not yet in the data). -#}
{{ config(pre_hook="{{ avoid_nested_loops() }}") }}

with

purchases as (

    select
        order_id,
        customer_unique_id,
        customer_state,
        purchased_at,
        cast(purchased_at as date) as purchase_date,
        delivered_to_customer_at,
        estimated_delivery_date,
        delivery_days,
        items,
        items_freight,
        order_revenue,
        payment_value,
        main_payment_type,
        max_installments,
        is_shipped_from_another_state,
        latest_review_score
    from {{ ref('int_orders_enriched') }}
    where is_purchase

),

purchase_items as (

    select
        order_id,
        product_category,
        item_revenue
    from {{ ref('int_purchase_items_enriched') }}

),

as_of as (

    select as_of_date from {{ ref('int_as_of_date') }}

),

purchase_days as (

    select distinct
        customer_unique_id,
        purchase_date
    from purchases

),

numbered_days as (

    select
        customer_unique_id,
        purchase_date,
        row_number() over (partition by customer_unique_id order by purchase_date) as day_number
    from purchase_days

),

first_days as (

    select
        customer_unique_id,
        purchase_date as first_purchase_date
    from numbered_days
    where day_number = 1

),

second_days as (

    select
        customer_unique_id,
        purchase_date as second_purchase_date
    from numbered_days
    where day_number = 2

),

first_orders as (

    select
        purchases.order_id,
        purchases.customer_unique_id,
        purchases.customer_state,
        purchases.purchased_at,
        purchases.delivered_to_customer_at,
        purchases.delivery_days,
        purchases.items,
        purchases.items_freight,
        purchases.order_revenue,
        purchases.main_payment_type,
        purchases.max_installments,
        purchases.is_shipped_from_another_state,
        purchases.latest_review_score,
        {{ dbt.datediff(
            'purchases.estimated_delivery_date', 'cast(purchases.delivered_to_customer_at as date)', 'day'
        ) }} as days_late,
        row_number() over (
            partition by purchases.customer_unique_id
            order by purchases.purchased_at, purchases.order_id
        ) as order_number,
        row_number() over (
            partition by purchases.customer_unique_id
            order by purchases.payment_value desc, purchases.order_id asc
        ) as payment_rank
    from purchases
    inner join first_days
        on purchases.customer_unique_id = first_days.customer_unique_id
        and purchases.purchase_date = first_days.first_purchase_date

),

first_baskets as (

    select
        customer_unique_id,
        min(purchased_at) as first_purchase_at,
        count(*) as orders,
        sum(order_revenue) as basket_value,
        sum(items_freight) as freight,
        sum(items) as items,
        min(case when delivered_to_customer_at is null then 0 else 1 end) = 1 as is_delivered,
        max(delivery_days) as delivery_days,
        max(days_late) as days_late,
        min(latest_review_score) as review_score,
        max(max_installments) as installments,
        max(
            case
                when is_shipped_from_another_state then 1
                when not is_shipped_from_another_state then 0
            end
        ) as shipped_from_another_state,
        max(case when order_number = 1 then customer_state end) as customer_state,
        max(case when payment_rank = 1 then main_payment_type end) as payment_type
    from first_orders
    group by customer_unique_id

),

category_revenue as (

    select
        first_orders.customer_unique_id,
        purchase_items.product_category,
        sum(purchase_items.item_revenue) as revenue
    from purchase_items
    inner join first_orders
        on purchase_items.order_id = first_orders.order_id
    where purchase_items.product_category is not null
    group by
        first_orders.customer_unique_id,
        purchase_items.product_category

),

main_categories as (

    select
        customer_unique_id,
        product_category,
        row_number() over (
            partition by customer_unique_id
            order by revenue desc, product_category asc
        ) as category_rank
    from category_revenue

),

returns as (

    select
        first_days.customer_unique_id,
        first_days.first_purchase_date,
        {{ dbt.datediff(
            'first_days.first_purchase_date', 'second_days.second_purchase_date', 'day'
        ) }} as days_to_second_purchase,
        {{ dbt.datediff('first_days.first_purchase_date', 'as_of.as_of_date', 'day') }} as days_observed,  -- noqa: LT05
        as_of.as_of_date
    from first_days
    left join second_days
        on first_days.customer_unique_id = second_days.customer_unique_id
    cross join as_of

)

select
    cast(returns.customer_unique_id as {{ dbt.type_string() }}) as customer_unique_id,
    cast(returns.first_purchase_date as date) as first_purchase_date,
    cast(first_baskets.orders as integer) as first_purchase_orders,
    cast(first_baskets.basket_value as {{ money_type() }}) as first_purchase_value,
    cast(first_baskets.is_delivered as boolean) as is_delivered,
    cast(case when first_baskets.is_delivered then first_baskets.delivery_days end as integer) as delivery_days,
    cast(case when first_baskets.is_delivered then first_baskets.days_late end as integer) as days_late,
    cast(case when first_baskets.is_delivered then first_baskets.days_late > 0 end as boolean) as is_late,
    cast(first_baskets.review_score as integer) as review_score,
    cast(
        cast(first_baskets.freight as {{ double_type() }}) / nullif(first_baskets.basket_value, 0)
        as {{ double_type() }}
    ) as freight_share,
    cast(first_baskets.installments as integer) as installments,
    cast(first_baskets.payment_type as {{ dbt.type_string() }}) as payment_type,
    cast(main_categories.product_category as {{ dbt.type_string() }}) as main_category,
    cast(first_baskets.items as integer) as items,
    cast(
        case
            when first_baskets.shipped_from_another_state = 1 then true
            when first_baskets.shipped_from_another_state = 0 then false
        end
        as boolean
    ) as is_shipped_from_another_state,
    cast(first_baskets.customer_state as {{ dbt.type_string() }}) as customer_state,
    cast(returns.days_to_second_purchase as integer) as days_to_second_purchase,
    cast(
        case
            when returns.days_observed <= 90 then null
            when returns.days_to_second_purchase <= 90 then true
            else false
        end
        as boolean
    ) as returned_within_90d,
    cast(
        case
            when returns.days_observed <= 180 then null
            when returns.days_to_second_purchase <= 180 then true
            else false
        end
        as boolean
    ) as returned_within_180d,
    cast(returns.as_of_date as date) as as_of_date
from returns
inner join first_baskets
    on returns.customer_unique_id = first_baskets.customer_unique_id
left join main_categories
    on returns.customer_unique_id = main_categories.customer_unique_id
    and main_categories.category_rank = 1
