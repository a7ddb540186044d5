with

orders as (

    select * from {{ ref('int_orders_enriched') }}

)

select
    order_id,
    customer_id,
    customer_unique_id,
    customer_zip_code_prefix,
    customer_city,
    customer_state,
    order_status,
    is_purchase,
    purchased_at,
    purchase_month,
    approved_at,
    delivered_to_carrier_at,
    delivered_to_customer_at,
    estimated_delivery_date,
    delivery_days,
    is_delivered_late,
    items,
    distinct_products,
    distinct_sellers,
    is_shipped_from_another_state,
    items_price,
    items_freight,
    order_revenue,
    payments,
    payment_value,
    main_payment_type,
    max_installments,
    used_voucher,
    reviews,
    latest_review_score
from orders
