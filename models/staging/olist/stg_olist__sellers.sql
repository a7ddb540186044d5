with

source as (

    select * from {{ source('olist', 'sellers') }}

),

renamed as (

    select
        seller_id,
        {{ clean_zip_prefix('seller_zip_code_prefix') }} as seller_zip_code_prefix,
        {{ normalize_city_name('seller_city') }} as seller_city_raw,
        upper(trim(seller_state)) as seller_state
    from source

)

select
    renamed.seller_id,
    renamed.seller_zip_code_prefix,
    coalesce(city_name_fixes.city_name, renamed.seller_city_raw) as seller_city,
    renamed.seller_state
from renamed
left join {{ ref('city_name_fixes') }} as city_name_fixes
    on renamed.seller_city_raw = city_name_fixes.city_variant
