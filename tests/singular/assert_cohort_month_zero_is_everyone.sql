-- In month 0 every member of a cohort is active (that is what defines the cohort): retention 1.
select *
from {{ ref('cohort_retention') }}
where
    months_since_first_purchase = 0
    and (active_customers <> cohort_size or retention_rate <> 1)
