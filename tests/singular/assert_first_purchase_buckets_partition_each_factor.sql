-- Within each factor of first_purchase_buckets, the levels in level_order follow each other without gap or
-- overlap: the first is open below, the last open above, and each level starts where the previous one ends, so
-- every value of the factor falls in exactly one bucket. Returns each level that breaks the chain.
with

buckets as (

    select
        factor,
        level,
        level_order,
        lower_bound,
        upper_bound,
        lag(upper_bound) over (partition by factor order by level_order) as previous_upper_bound,
        row_number() over (partition by factor order by level_order) as position_from_first,
        row_number() over (partition by factor order by level_order desc) as position_from_last
    from {{ ref('first_purchase_buckets') }}

)

select
    factor,
    level
from buckets
where
    (position_from_first = 1 and lower_bound is not null)
    or (position_from_first > 1 and (lower_bound is null or lower_bound <> previous_upper_bound))
    or (position_from_last = 1 and upper_bound is not null)
    or (position_from_last > 1 and (upper_bound is null or upper_bound <= lower_bound))
