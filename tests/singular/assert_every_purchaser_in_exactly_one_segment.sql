-- Every person with a purchase has exactly one row in rfm_segments, and nobody else has one.
-- Returns the people missing, extra or duplicated.
with

purchasers as (

    select distinct customer_unique_id
    from {{ ref('orders') }}
    where is_purchase

),

segmented as (

    select
        customer_unique_id,
        count(*) as segment_rows
    from {{ ref('rfm_segments') }}
    group by customer_unique_id

)

select
    coalesce(purchasers.customer_unique_id, segmented.customer_unique_id) as customer_unique_id,
    segmented.segment_rows
from purchasers
full outer join segmented
    on purchasers.customer_unique_id = segmented.customer_unique_id
where
    purchasers.customer_unique_id is null
    or segmented.customer_unique_id is null
    or segmented.segment_rows <> 1
