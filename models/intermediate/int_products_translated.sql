{#- The English category of every product: Olist's translation file first, then the project's seed for the
    categories it lacks. A category in neither keeps its Portuguese name (flagged by a warning test); a product
    without a category gets 'uncategorized' (the only place that name is set). No product is dropped. -#}
with

products as (

    select * from {{ ref('stg_olist__products') }}

),

translations as (

    select * from {{ ref('stg_olist__product_category_name_translations') }}

),

translation_fixes as (

    select * from {{ ref('product_category_translation_fixes') }}

)

select
    products.product_id,
    products.product_category_name,
    coalesce(
        case when products.product_category_name is null then 'uncategorized' end,
        translations.product_category_name_english,
        translation_fixes.product_category_name_english,
        products.product_category_name
    ) as product_category,
    case
        when products.product_category_name is null then 'missing'
        when translations.product_category_name_english is not null then 'olist'
        when translation_fixes.product_category_name_english is not null then 'seed'
        else 'untranslated'
    end as category_translation_source
from products
left join translations
    on products.product_category_name = translations.product_category_name
left join translation_fixes
    on products.product_category_name = translation_fixes.product_category_name
