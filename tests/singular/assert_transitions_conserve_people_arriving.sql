-- The people arriving in segment Y from a segment (New excluded) sum to Y's size at the later snapshot minus the
-- people new in Y; likewise their to_revenue. Returns a row per (snapshot, segment) that disagrees. Every
-- snapshot but the first is the later one of a pair.
with

sizes as (

    select
        snapshot_date,
        rfm_segment,
        count(*) as people,
        sum(monetary) as revenue
    from {{ ref('segment_history') }}
    where snapshot_date > (select min(snapshot_date) from {{ ref('segment_history') }})
    group by
        snapshot_date,
        rfm_segment

),

arriving as (

    select
        to_snapshot_date as snapshot_date,
        to_segment as rfm_segment,
        sum(case when from_segment <> 'New' then people else 0 end) as people_from_a_segment,
        sum(case when from_segment = 'New' then people else 0 end) as people_new,
        sum(case when from_segment <> 'New' then to_revenue else 0 end) as revenue_from_a_segment,
        sum(case when from_segment = 'New' then to_revenue else 0 end) as revenue_new
    from {{ ref('segment_transitions') }}
    group by
        to_snapshot_date,
        to_segment

)

select
    coalesce(sizes.snapshot_date, arriving.snapshot_date) as snapshot_date,
    coalesce(sizes.rfm_segment, arriving.rfm_segment) as rfm_segment,
    sizes.people as segment_people,
    arriving.people_from_a_segment,
    arriving.people_new
from sizes
full outer join arriving
    on sizes.snapshot_date = arriving.snapshot_date
    and sizes.rfm_segment = arriving.rfm_segment
where
    coalesce(arriving.people_from_a_segment, 0) <> coalesce(sizes.people, 0) - coalesce(arriving.people_new, 0)
    or coalesce(arriving.revenue_from_a_segment, 0) <> coalesce(sizes.revenue, 0) - coalesce(arriving.revenue_new, 0)
