-- Who are we about to lose? People who bought more than once or spent in the top quarter, whose last
-- purchase is getting old, bucketed by how long they have been away: the win-back list, most valuable first.
with

targets as (

    select * from {{ ref('win_back_targets') }}

),

bucketed as (

    select
        customer_unique_id,
        rfm_segment,
        monetary,
        purchases,
        days_since_last_purchase,
        customer_state,
        favourite_category,
        case
            when days_since_last_purchase < 180 then '1: under 6 months'
            when days_since_last_purchase < 365 then '2: 6-12 months'
            else '3: over a year'
        end as time_away
    from targets

)

select
    time_away,
    count(*) as people,
    sum(monetary) as revenue,
    avg(monetary) as avg_monetary,
    sum(case when purchases > 1 then 1 else 0 end) as repeat_buyers
from bucketed
group by time_away
order by time_away
