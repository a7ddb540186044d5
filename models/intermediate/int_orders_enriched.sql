{#- Orders with the person behind them, item/payment/review totals, delivery times and the purchase flag.
    An order with no items has zero revenue (not null) so sums reconcile; a purchase is an order whose status
    is in var purchase_statuses. City abbreviations are replaced here, once, through the city_name_fixes seed:
    every address of the project (orders, customers, win-back list) comes from this model. With var as_of_date set, only orders purchased before it
    exist (the point in time of every model downstream). -#}
with

orders as (

    select * from {{ ref('stg_olist__orders') }}
    where {{ purchased_before_as_of('purchased_at') }}

),

customers as (

    select * from {{ ref('stg_olist__customers') }}

),

items as (

    select * from {{ ref('int_order_items_aggregated_to_orders') }}

),

payments as (

    select * from {{ ref('int_order_payments_aggregated_to_orders') }}

),

reviews as (

    select * from {{ ref('int_order_reviews_aggregated_to_orders') }}

),

city_name_fixes as (

    select * from {{ ref('city_name_fixes') }}

)

select
    orders.order_id,
    orders.customer_id,
    customers.customer_unique_id,
    customers.customer_zip_code_prefix,
    coalesce(city_name_fixes.city_name, customers.customer_city) as customer_city,
    customers.customer_state,
    orders.order_status,
    orders.order_status in {{ purchase_statuses_sql() }} as is_purchase,
    orders.purchased_at,
    cast({{ dbt.date_trunc('month', 'orders.purchased_at') }} as date) as purchase_month,
    orders.approved_at,
    orders.delivered_to_carrier_at,
    orders.delivered_to_customer_at,
    orders.estimated_delivery_date,
    {{ dbt.datediff('orders.purchased_at', 'orders.delivered_to_customer_at', 'day') }} as delivery_days,  -- noqa: LT05
    case
        when orders.delivered_to_customer_at is null then null
        else cast(orders.delivered_to_customer_at as date) > orders.estimated_delivery_date
    end as is_delivered_late,
    coalesce(items.items, 0) as items,
    coalesce(items.distinct_products, 0) as distinct_products,
    coalesce(items.distinct_sellers, 0) as distinct_sellers,
    case
        when coalesce(items.seller_states, 0) = 0 then null
        else items.seller_states > 1 or items.seller_state <> customers.customer_state
    end as is_shipped_from_another_state,
    coalesce(items.items_price, 0) as items_price,
    coalesce(items.items_freight, 0) as items_freight,
    cast(coalesce(items.items_revenue, 0) as {{ money_type() }}) as order_revenue,
    coalesce(payments.payments, 0) as payments,
    cast(coalesce(payments.payment_value, 0) as {{ money_type() }}) as payment_value,
    payments.main_payment_type,
    payments.max_installments,
    coalesce(payments.used_voucher, false) as used_voucher,
    coalesce(reviews.reviews, 0) as reviews,
    reviews.latest_review_score
from orders
left join customers
    on orders.customer_id = customers.customer_id
left join items
    on orders.order_id = items.order_id
left join payments
    on orders.order_id = payments.order_id
left join reviews
    on orders.order_id = reviews.order_id
left join city_name_fixes
    on customers.customer_city = city_name_fixes.city_variant
