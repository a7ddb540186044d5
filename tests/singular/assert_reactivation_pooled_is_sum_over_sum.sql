-- The pooled organic return rate is Σ returned / Σ people over the snapshots of segment_reactivation, and every
-- segment_reactivation people count is the segment's size in segment_history at that snapshot. Returns the rows
-- that disagree.
with

sizes as (

    select
        snapshot_date,
        rfm_segment,
        count(*) as people
    from {{ ref('segment_history') }}
    group by
        snapshot_date,
        rfm_segment

),

wrong_sizes as (

    select
        reactivation.snapshot_date,
        reactivation.rfm_segment,
        reactivation.horizon_months,
        'people differs from segment_history' as problem
    from {{ ref('segment_reactivation') }} as reactivation
    left join sizes
        on reactivation.snapshot_date = sizes.snapshot_date
        and reactivation.rfm_segment = sizes.rfm_segment
    where sizes.people is null or sizes.people <> reactivation.people

),

sums as (

    select
        rfm_segment,
        horizon_months,
        count(*) as snapshots,
        sum(people) as people,
        sum(returned) as returned
    from {{ ref('segment_reactivation') }}
    group by
        rfm_segment,
        horizon_months

),

wrong_pools as (

    select
        cast(null as date) as snapshot_date,
        coalesce(pooled.rfm_segment, sums.rfm_segment) as rfm_segment,
        coalesce(pooled.horizon_months, sums.horizon_months) as horizon_months,
        'pooled differs from the sums' as problem
    from {{ ref('segment_reactivation_pooled') }} as pooled
    full outer join sums
        on pooled.rfm_segment = sums.rfm_segment
        and pooled.horizon_months = sums.horizon_months
    where
        pooled.rfm_segment is null
        or sums.rfm_segment is null
        or pooled.snapshots <> sums.snapshots
        or pooled.people <> sums.people
        or pooled.returned <> sums.returned
        or abs(pooled.return_rate * sums.people - sums.returned) > 1e-6

)

select * from wrong_sizes
union all
select * from wrong_pools
