-- A segment's category revenue shares add up to 1 (to floating-point precision), and so do the overall
-- shares of the categories.
select
    rfm_segment,
    sum(segment_revenue_share) as total_share
from {{ ref('segment_product_affinity') }}
group by rfm_segment
having abs(sum(segment_revenue_share) - 1) > 1e-9
