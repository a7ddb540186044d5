with

source as (

    select * from {{ source('olist', 'sellers') }}

),

renamed as (

    select
        seller_id,
        {{ clean_zip_prefix('seller_zip_code_prefix') }} as seller_zip_code_prefix,
        {{ normalize_city_name('seller_city') }} as seller_city,
        upper(trim(seller_state)) as seller_state
    from source

)

select * from renamed
