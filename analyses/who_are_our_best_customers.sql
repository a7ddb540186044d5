-- Who are our best customers? The Champions and the top of every segment by value, with what they buy and
-- where they live. Compile with `dbt compile --select who_are_our_best_customers` and run the SQL in
-- target/compiled/, or paste it into any SQL client on the warehouse.
with

segments as (

    select * from {{ ref('clv') }}

),

top_people as (

    select
        rfm_segment,
        customer_unique_id,
        frequency,
        monetary,
        row_number() over (
            partition by rfm_segment
            order by monetary desc, customer_unique_id asc
        ) as value_rank
    from {{ ref('rfm_segments') }}

),

favourite_categories as (

    select
        rfm_segment,
        product_category,
        affinity_index
    from {{ ref('segment_product_affinity') }}
    where category_rank = 1

),

top_states as (

    select
        rfm_segment,
        customer_state,
        segment_customer_share
    from {{ ref('segment_geography') }}
    where state_rank = 1

)

select
    segments.rfm_segment,
    segments.customers,
    segments.customer_share,
    segments.revenue_share,
    segments.avg_monetary,
    favourite_categories.product_category as top_category,
    favourite_categories.affinity_index as top_category_affinity,
    top_states.customer_state as top_state,
    top_states.segment_customer_share as top_state_share,
    top_people.customer_unique_id as most_valuable_person,
    top_people.monetary as most_valuable_person_monetary
from segments
left join favourite_categories
    on segments.rfm_segment = favourite_categories.rfm_segment
left join top_states
    on segments.rfm_segment = top_states.rfm_segment
left join top_people
    on segments.rfm_segment = top_people.rfm_segment
    and top_people.value_rank = 1
order by segments.segment_order
