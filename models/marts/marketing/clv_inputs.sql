{#- The summary buy-till-you-die models are fitted on (customer_intel/clv): one row per purchaser at as_of_date.
    Purchases are grouped by calendar day (two orders on one day are one purchase, as the models assume), and
    time is counted in days. The same summary is computed for a calibration period that ends var
    clv_holdout_months before the first day of the month of as_of_date, beside what each person did in the holdout
    that follows, so a model fitted on the calibration columns can be checked against what happened. The calibration
    end is a first day of a month so that it is a snapshot of segment_history (whenever clv_holdout_months is a
    multiple of segment_history_step_months and at most segment_history_months): each person's segment at the
    calibration end comes from there, scored exactly as rfm_segments would have scored it on that day. -#}
with

purchases as (

    select
        customer_unique_id,
        cast(purchased_at as date) as purchase_date,
        order_revenue
    from {{ ref('int_orders_enriched') }}
    where is_purchase

),

dates as (

    select
        as_of_date,
        cast(
            {{ dbt.dateadd('month', -1 * var('clv_holdout_months'), dbt.date_trunc('month', 'as_of_date')) }}
            as date
        ) as calibration_end_date
    from {{ ref('int_as_of_date') }}

),

calibration_segments as (

    select
        history.customer_unique_id,
        history.rfm_segment
    from {{ ref('segment_history') }} as history
    inner join dates
        on history.snapshot_date = dates.calibration_end_date

),

purchase_days as (

    select
        purchases.customer_unique_id,
        purchases.purchase_date,
        purchases.purchase_date < dates.calibration_end_date as is_calibration,
        sum(purchases.order_revenue) as day_value
    from purchases
    cross join dates
    group by
        purchases.customer_unique_id,
        purchases.purchase_date,
        purchases.purchase_date < dates.calibration_end_date

),

numbered_days as (

    select
        customer_unique_id,
        purchase_date,
        is_calibration,
        day_value,
        row_number() over (partition by customer_unique_id order by purchase_date) as day_number
    from purchase_days

),

full_history as (

    select
        customer_unique_id,
        min(purchase_date) as first_purchase_date,
        max(purchase_date) as last_purchase_date,
        count(*) as purchase_days,
        sum(day_value) as monetary,
        sum(case when day_number > 1 then day_value end) as repeat_value
    from numbered_days
    group by customer_unique_id

),

calibration as (

    select
        customer_unique_id,
        max(purchase_date) as last_purchase_date,
        count(*) as purchase_days,
        sum(day_value) as monetary,
        sum(case when day_number > 1 then day_value end) as repeat_value
    from numbered_days
    where is_calibration
    group by customer_unique_id

),

holdout as (

    select
        customer_unique_id,
        count(*) as purchase_days,
        sum(day_value) as monetary
    from numbered_days
    where not is_calibration
    group by customer_unique_id

)

select
    cast(full_history.customer_unique_id as {{ dbt.type_string() }}) as customer_unique_id,
    cast(full_history.first_purchase_date as date) as first_purchase_date,
    cast(dates.as_of_date as date) as as_of_date,
    cast(full_history.purchase_days - 1 as integer) as frequency,
    cast({{ dbt.datediff('full_history.first_purchase_date', 'full_history.last_purchase_date', 'day') }} as integer)  -- noqa: LT05
        as recency,
    cast({{ dbt.datediff('full_history.first_purchase_date', 'dates.as_of_date', 'day') }} as integer) as tenure,  -- noqa: LT05
    cast(full_history.monetary as {{ money_type() }}) as monetary,
    cast(full_history.monetary as {{ double_type() }}) / full_history.purchase_days as avg_purchase_value,
    case
        when full_history.purchase_days > 1
            then cast(full_history.repeat_value as {{ double_type() }}) / (full_history.purchase_days - 1)
    end as avg_repeat_purchase_value,
    cast(dates.calibration_end_date as date) as calibration_end_date,
    calibration.customer_unique_id is not null as is_in_calibration,
    cast(calibration.purchase_days - 1 as integer) as calibration_frequency,
    cast({{ dbt.datediff('full_history.first_purchase_date', 'calibration.last_purchase_date', 'day') }} as integer)  -- noqa: LT05
        as calibration_recency,
    case
        when calibration.customer_unique_id is not null
            then cast({{ dbt.datediff('full_history.first_purchase_date', 'dates.calibration_end_date', 'day') }} as integer)  -- noqa: LT05
    end as calibration_tenure,
    case
        when calibration.purchase_days > 1
            then cast(calibration.repeat_value as {{ double_type() }}) / (calibration.purchase_days - 1)
    end as calibration_avg_repeat_purchase_value,
    cast(calibration_segments.rfm_segment as {{ dbt.type_string() }}) as calibration_rfm_segment,
    cast(coalesce(holdout.purchase_days, 0) as integer) as holdout_purchases,
    cast(coalesce(holdout.monetary, 0) as {{ money_type() }}) as holdout_monetary
from full_history
cross join dates
left join calibration
    on full_history.customer_unique_id = calibration.customer_unique_id
left join calibration_segments
    on full_history.customer_unique_id = calibration_segments.customer_unique_id
left join holdout
    on full_history.customer_unique_id = holdout.customer_unique_id
