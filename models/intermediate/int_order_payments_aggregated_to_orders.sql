with

order_payments as (

    select * from {{ ref('stg_olist__order_payments') }}

),

ranked as (

    select
        order_id,
        payment_type,
        row_number() over (
            partition by order_id
            order by payment_value desc, payment_sequential asc
        ) as value_rank
    from order_payments

),

aggregated as (

    select
        order_id,
        count(*) as payments,
        sum(payment_value) as payment_value,
        max(payment_installments) as max_installments,
        max(case when payment_type = 'voucher' then 1 else 0 end) = 1 as used_voucher
    from order_payments
    group by order_id

)

select
    aggregated.order_id,
    aggregated.payments,
    aggregated.payment_value,
    aggregated.max_installments,
    aggregated.used_voucher,
    ranked.payment_type as main_payment_type
from aggregated
inner join ranked
    on aggregated.order_id = ranked.order_id
    and ranked.value_rank = 1
