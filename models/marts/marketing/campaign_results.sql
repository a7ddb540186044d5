{#- What each group of each campaign did: of the people in the group, how many bought (a purchase from contacted_at
    until the same time var campaign_window_months months later) and the revenue of those purchases. A purchase is
    one of int_orders_enriched's (the purchase statuses; before as_of_date). A window that has not ended by
    as_of_date is a provisional readout (is_window_complete false). -#}
with

contacts as (

    select * from {{ ref('stg_crm__campaign_contacts') }}

),

purchases as (

    select
        customer_unique_id,
        purchased_at,
        order_revenue
    from {{ ref('int_orders_enriched') }}
    where is_purchase

),

as_of as (

    select as_of_date from {{ ref('int_as_of_date') }}

),

windows as (

    select
        campaign_id,
        customer_unique_id,
        campaign_group,
        contacted_at,
        {{ dbt.dateadd('month', var('campaign_window_months') | int, 'contacted_at') }} as window_ends_at
    from contacts

),

per_person as (

    select
        windows.campaign_id,
        windows.customer_unique_id,
        windows.campaign_group,
        windows.contacted_at,
        windows.window_ends_at,
        count(purchases.customer_unique_id) as purchases,
        coalesce(sum(purchases.order_revenue), 0) as revenue
    from windows
    left join purchases
        on windows.customer_unique_id = purchases.customer_unique_id
        and windows.contacted_at <= purchases.purchased_at
        and windows.window_ends_at > purchases.purchased_at
    group by
        windows.campaign_id,
        windows.customer_unique_id,
        windows.campaign_group,
        windows.contacted_at,
        windows.window_ends_at

),

per_group as (

    select
        campaign_id,
        campaign_group,
        count(*) as people,
        sum(case when purchases > 0 then 1 else 0 end) as buyers,
        sum(revenue) as revenue,
        min(contacted_at) as first_contacted_at,
        max(window_ends_at) as window_ends_at
    from per_person
    group by
        campaign_id,
        campaign_group

)

select
    cast(per_group.campaign_id as {{ dbt.type_string() }}) as campaign_id,
    cast(per_group.campaign_group as {{ dbt.type_string() }}) as campaign_group,
    cast(per_group.people as integer) as people,
    cast(per_group.buyers as integer) as buyers,
    cast(per_group.buyers as {{ double_type() }}) / per_group.people as conversion_rate,
    cast(per_group.revenue as {{ money_type() }}) as revenue,
    cast(per_group.first_contacted_at as timestamp) as first_contacted_at,
    cast(per_group.window_ends_at as timestamp) as window_ends_at,
    cast({{ var('campaign_window_months') | int }} as integer) as window_months,
    per_group.window_ends_at <= cast(as_of.as_of_date as timestamp) as is_window_complete
from per_group
cross join as_of
