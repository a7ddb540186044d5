{#- An order can have several reviews; its review score is the latest one (by creation date, then answer time,
    then review_id so the choice is the same on every engine). -#}
with

order_reviews as (

    select * from {{ ref('stg_olist__order_reviews') }}

),

ranked as (

    select
        order_id,
        review_score,
        row_number() over (
            partition by order_id
            order by review_created_date desc, review_answered_at desc, review_id asc
        ) as recency_rank,
        count(*) over (partition by order_id) as reviews
    from order_reviews

)

select
    order_id,
    reviews,
    review_score as latest_review_score
from ranked
where recency_rank = 1
