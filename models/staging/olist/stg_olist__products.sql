{#- Renames and casts only; the English category is added by int_products_translated. -#}
with

source as (

    select * from {{ source('olist', 'products') }}

),

renamed as (

    select
        product_id,
        nullif(lower(trim(product_category_name)), '') as product_category_name,
        {{ to_whole_number('product_name_lenght') }} as product_name_length,
        {{ to_whole_number('product_description_lenght') }} as product_description_length,
        {{ to_whole_number('product_photos_qty') }} as product_photos_qty,
        cast(product_weight_g as {{ dbt.type_float() }}) as product_weight_g,
        cast(product_length_cm as {{ dbt.type_float() }}) as product_length_cm,
        cast(product_height_cm as {{ dbt.type_float() }}) as product_height_cm,
        cast(product_width_cm as {{ dbt.type_float() }}) as product_width_cm
    from source

)

select * from renamed
