{#- Categories: Olist's translation file first, then the project's seed for the categories it lacks.
    A category in neither keeps its Portuguese name (flagged by a warning test); a product without a category
    gets 'uncategorized'. No product is dropped. -#}
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

),

translations as (

    select * from {{ ref('stg_olist__product_category_name_translations') }}

),

translation_fixes as (

    select * from {{ ref('product_category_translation_fixes') }}

)

select
    renamed.product_id,
    renamed.product_category_name,
    coalesce(
        case when renamed.product_category_name is null then 'uncategorized' end,
        translations.product_category_name_english,
        translation_fixes.product_category_name_english,
        renamed.product_category_name
    ) as product_category,
    case
        when renamed.product_category_name is null then 'missing'
        when translations.product_category_name_english is not null then 'olist'
        when translation_fixes.product_category_name_english is not null then 'seed'
        else 'untranslated'
    end as category_translation_source,
    renamed.product_name_length,
    renamed.product_description_length,
    renamed.product_photos_qty,
    renamed.product_weight_g,
    renamed.product_length_cm,
    renamed.product_height_cm,
    renamed.product_width_cm
from renamed
left join translations
    on renamed.product_category_name = translations.product_category_name
left join translation_fixes
    on renamed.product_category_name = translation_fixes.product_category_name
