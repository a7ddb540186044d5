-- Staging keeps every raw row; the only documented exclusion is the geolocation collapse, where raw rows =
-- Σ (points_in_brazil + points_outside_brazil) over prefixes. Returns each table whose counts differ.
{%- set one_to_one = [
    ('customers', 'stg_olist__customers'),
    ('order_items', 'stg_olist__order_items'),
    ('order_payments', 'stg_olist__order_payments'),
    ('order_reviews', 'stg_olist__order_reviews'),
    ('orders', 'stg_olist__orders'),
    ('products', 'stg_olist__products'),
    ('sellers', 'stg_olist__sellers'),
    ('product_category_name_translation', 'stg_olist__product_category_name_translations'),
] %}

with

counts as (

    {% for raw_table, staging_model in one_to_one %}
    select
        '{{ raw_table }}' as raw_table,
        (select count(*) from {{ source('olist', raw_table) }}) as raw_rows,
        (select count(*) from {{ ref(staging_model) }}) as staging_rows
    union all
    {% endfor %}
    select
        'geolocation' as raw_table,
        (select count(*) from {{ source('olist', 'geolocation') }}) as raw_rows,
        (
            select sum(points_in_brazil + points_outside_brazil)
            from {{ ref('stg_olist__geolocations') }}
        ) as staging_rows

)

select *
from counts
where raw_rows <> coalesce(staging_rows, 0)
