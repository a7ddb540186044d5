with

source as (

    select * from {{ source('olist', 'customers') }}

),

renamed as (

    select
        customer_id,
        customer_unique_id,
        {{ clean_zip_prefix('customer_zip_code_prefix') }} as customer_zip_code_prefix,
        {{ normalize_city_name('customer_city') }} as customer_city_raw,
        upper(trim(customer_state)) as customer_state
    from source

)

select
    renamed.customer_id,
    renamed.customer_unique_id,
    renamed.customer_zip_code_prefix,
    coalesce(city_name_fixes.city_name, renamed.customer_city_raw) as customer_city,
    renamed.customer_state
from renamed
left join {{ ref('city_name_fixes') }} as city_name_fixes
    on renamed.customer_city_raw = city_name_fixes.city_variant
