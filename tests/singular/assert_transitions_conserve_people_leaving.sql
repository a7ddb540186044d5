-- The people leaving segment X between two snapshots (to any segment, X included) sum to X's size at the earlier
-- snapshot, and their from_revenue to X's revenue then. Returns a row per (snapshot, segment) that disagrees,
-- including segments present on one side only.
with

sizes as (

    select
        snapshot_date,
        rfm_segment,
        count(*) as people,
        sum(monetary) as revenue
    from {{ ref('segment_history') }}
    where snapshot_date < (select max(snapshot_date) from {{ ref('segment_history') }})
    group by
        snapshot_date,
        rfm_segment

),

leaving as (

    select
        from_snapshot_date as snapshot_date,
        from_segment as rfm_segment,
        sum(people) as people,
        sum(from_revenue) as revenue
    from {{ ref('segment_transitions') }}
    where from_segment <> 'New'
    group by
        from_snapshot_date,
        from_segment

)

select
    coalesce(sizes.snapshot_date, leaving.snapshot_date) as snapshot_date,
    coalesce(sizes.rfm_segment, leaving.rfm_segment) as rfm_segment,
    sizes.people as segment_people,
    leaving.people as people_leaving,
    sizes.revenue as segment_revenue,
    leaving.revenue as revenue_leaving
from sizes
full outer join leaving
    on sizes.snapshot_date = leaving.snapshot_date
    and sizes.rfm_segment = leaving.rfm_segment
where
    coalesce(sizes.people, 0) <> coalesce(leaving.people, 0)
    or coalesce(sizes.revenue, 0) <> coalesce(leaving.revenue, 0)
