with

source as (

    select * from {{ source('olist', 'order_payments') }}

),

renamed as (

    select
        order_id,
        {{ to_whole_number('payment_sequential') }} as payment_sequential,
        lower(trim(payment_type)) as payment_type,
        {{ to_whole_number('payment_installments') }} as payment_installments,
        {{ to_money('payment_value') }} as payment_value
    from source

)

select * from renamed
