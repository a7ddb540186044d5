-- A segment's category revenue shares add up to 1 (to floating-point precision), and so do the overall
-- shares of the categories (each category counted once). Returns each segment whose shares do not add up, and a
-- row named 'all categories' if the overall shares do not.
with

overall_shares as (

    select distinct
        product_category,
        overall_revenue_share
    from {{ ref('segment_product_affinity') }}

)

select
    rfm_segment,
    sum(segment_revenue_share) as total_share
from {{ ref('segment_product_affinity') }}
group by rfm_segment
having abs(sum(segment_revenue_share) - 1) > 1e-9

union all

select
    'all categories' as rfm_segment,
    sum(overall_revenue_share) as total_share
from overall_shares
having abs(sum(overall_revenue_share) - 1) > 1e-9
