{#- One row per zip prefix. The raw file has many points per prefix (duplicates and spelling variants
    included) and a few points far outside Brazil: those are excluded from the prefix's coordinates and counted
    in points_outside_brazil, so raw rows = sum(points_in_brazil + points_outside_brazil). A prefix whose every
    point lies outside Brazil is kept with null coordinates. City and state are the prefix's most frequent
    normalised spelling (ties broken alphabetically), so the result is the same on every engine. -#}
{%- set bounds = var('brazil_bounds') -%}

with

source as (

    select * from {{ source('olist', 'geolocation') }}

),

points as (

    select
        {{ clean_zip_prefix('geolocation_zip_code_prefix') }} as zip_code_prefix,
        cast(geolocation_lat as {{ dbt.type_float() }}) as latitude,
        cast(geolocation_lng as {{ dbt.type_float() }}) as longitude,
        {{ normalize_city_name('geolocation_city') }} as city_raw,
        upper(trim(geolocation_state)) as state,
        coalesce(
            geolocation_lat between {{ bounds.lat_min }} and {{ bounds.lat_max }}
            and geolocation_lng between {{ bounds.lng_min }} and {{ bounds.lng_max }},
            false
        ) as is_in_brazil
    from source

),

cities as (

    select
        points.zip_code_prefix,
        points.state,
        coalesce(city_name_fixes.city_name, points.city_raw) as city,
        count(*) as points
    from points
    left join {{ ref('city_name_fixes') }} as city_name_fixes
        on points.city_raw = city_name_fixes.city_variant
    group by
        points.zip_code_prefix,
        points.state,
        coalesce(city_name_fixes.city_name, points.city_raw)

),

most_frequent_city as (

    select
        zip_code_prefix,
        city,
        state,
        row_number() over (
            partition by zip_code_prefix
            order by points desc, city asc, state asc
        ) as frequency_rank
    from cities

),

coordinates as (

    select
        zip_code_prefix,
        cast(avg(case when is_in_brazil then latitude end) as numeric(9, 6)) as latitude,
        cast(avg(case when is_in_brazil then longitude end) as numeric(9, 6)) as longitude,
        sum(case when is_in_brazil then 1 else 0 end) as points_in_brazil,
        sum(case when is_in_brazil then 0 else 1 end) as points_outside_brazil
    from points
    group by zip_code_prefix

)

select
    coordinates.zip_code_prefix,
    coordinates.latitude,
    coordinates.longitude,
    most_frequent_city.city,
    most_frequent_city.state,
    coordinates.points_in_brazil,
    coordinates.points_outside_brazil
from coordinates
inner join most_frequent_city
    on coordinates.zip_code_prefix = most_frequent_city.zip_code_prefix
    and most_frequent_city.frequency_rank = 1
