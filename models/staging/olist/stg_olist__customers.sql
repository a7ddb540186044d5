with

source as (

    select * from {{ source('olist', 'customers') }}

),

renamed as (

    select
        customer_id,
        customer_unique_id,
        {{ clean_zip_prefix('customer_zip_code_prefix') }} as customer_zip_code_prefix,
        {{ normalize_city_name('customer_city') }} as customer_city,
        upper(trim(customer_state)) as customer_state
    from source

)

select * from renamed
