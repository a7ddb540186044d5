{#- One row per zip prefix. The raw file has many points per prefix and a few points far outside Brazil: those
    are excluded from the prefix's coordinates and counted in points_outside_brazil, so raw rows =
    sum(points_in_brazil + points_outside_brazil). A prefix whose every point lies outside Brazil is kept with
    null coordinates. The file's city and state spellings are not kept: addresses come from the customers file. -#}
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
        coalesce(
            geolocation_lat between {{ bounds.lat_min }} and {{ bounds.lat_max }}
            and geolocation_lng between {{ bounds.lng_min }} and {{ bounds.lng_max }},
            false
        ) as is_in_brazil
    from source

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

select * from coordinates
