-- first_purchase_experience holds every purchaser of customers once (and nobody else), and second_purchase_drivers
-- and second_purchase_patterns count exactly its people whose 180-day window is over, and their returners, in
-- every factor. Returns one row per broken count (people counted and expected; a mismatch of returners shows equal
-- people).
with

purchasers as (

    select count(*) as people from {{ ref('customers') }}
    where is_purchaser

),

experience as (

    select
        count(*) as people,
        count(returned_within_180d) as people_with_window,
        sum(case when returned_within_180d then 1 else 0 end) as returned
    from {{ ref('first_purchase_experience') }}

),

driver_totals as (

    select
        factor,
        sum(people) as people,
        sum(returned) as returned
    from {{ ref('second_purchase_drivers') }}
    group by factor

),

pattern_totals as (

    select
        sum(people) as people,
        sum(returned) as returned
    from {{ ref('second_purchase_patterns') }}

)

select
    'experience vs customers' as count_name,
    experience.people as counted,
    purchasers.people as expected
from experience
cross join purchasers
where experience.people <> purchasers.people
union all
select
    'drivers ' || driver_totals.factor as count_name,
    driver_totals.people as counted,
    experience.people_with_window as expected
from driver_totals
cross join experience
where
    driver_totals.people <> experience.people_with_window
    or driver_totals.returned <> coalesce(experience.returned, 0)
union all
select
    'patterns' as count_name,
    coalesce(pattern_totals.people, 0) as counted,
    experience.people_with_window as expected
from pattern_totals
cross join experience
where
    coalesce(pattern_totals.people, 0) <> experience.people_with_window
    or coalesce(pattern_totals.returned, 0) <> coalesce(experience.returned, 0)
