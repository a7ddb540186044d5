{#- Does a segment over-index on a category? affinity_index = the category's share of the segment's revenue
    divided by its share of all purchase revenue: 1.0 = typical, 1.5 = the segment spends 50 % more of its
    money there than customers overall. -#}
with

items as (

    select * from {{ ref('int_purchase_items_enriched') }}

),

rfm_segments as (

    select * from {{ ref('rfm_segments') }}

),

segment_category as (

    select
        rfm_segments.rfm_segment,
        items.product_category,
        count(distinct items.order_id) as orders,
        sum(items.item_revenue) as revenue
    from items
    inner join rfm_segments
        on items.customer_unique_id = rfm_segments.customer_unique_id
    group by
        rfm_segments.rfm_segment,
        items.product_category

),

segment_totals as (

    select
        rfm_segment,
        sum(revenue) as segment_revenue
    from segment_category
    group by rfm_segment

),

category_totals as (

    select
        product_category,
        sum(revenue) as category_revenue
    from segment_category
    group by product_category

),

grand_total as (

    select sum(revenue) as total_revenue
    from segment_category

),

shares as (

    select
        segment_category.rfm_segment,
        segment_category.product_category,
        segment_category.orders,
        segment_category.revenue,
        cast(segment_category.revenue as {{ double_type() }})
        / cast(segment_totals.segment_revenue as {{ double_type() }}) as segment_revenue_share,
        cast(category_totals.category_revenue as {{ double_type() }})
        / cast(grand_total.total_revenue as {{ double_type() }}) as overall_revenue_share
    from segment_category
    inner join segment_totals
        on segment_category.rfm_segment = segment_totals.rfm_segment
    inner join category_totals
        on segment_category.product_category = category_totals.product_category
    cross join grand_total

)

select
    cast(rfm_segment as {{ dbt.type_string() }}) as rfm_segment,
    cast(product_category as {{ dbt.type_string() }}) as product_category,
    cast(orders as integer) as orders,
    cast(revenue as {{ money_type() }}) as revenue,
    segment_revenue_share,
    overall_revenue_share,
    segment_revenue_share / overall_revenue_share as affinity_index,
    cast(row_number() over (
        partition by rfm_segment
        order by revenue desc, product_category asc
    ) as integer) as category_rank
from shares
