{#- Recency, frequency and monetary value per purchasing person, scored 1–4 under the scheme in var
    rfm_scheme (4 = best, except the reference scheme's recency, where 4 = least recent):
    - tie_aware (default): recency and monetary by rank-based quartile, where equal values share a score;
      frequency as the number of purchases capped at 4 (about 97 % of people buy once, so a quantile of
      frequency says nothing: 1 purchase = 1, 2 = 2, 3 = 3, 4 or more = 4).
    - reference: the original project's SQL, reproduced exactly and deterministically: NTILE(4) on each
      measure, with recency ordered ascending as the original did, so its most recent quarter scores 1 (its
      recency score is inverted), frequency ties broken by monetary ascending (the order in which its
      engine handed identical frequencies to NTILE, so for one-time buyers f is a value score), and a final
      tie-break on customer_unique_id. Its segments split people with identical behaviour; see rfm_segments docs. -#}
{%- set scheme = var('rfm_scheme') -%}
{#- The expressions live in macro rfm_score_expressions, shared with segment_history. -#}
{%- set scores = rfm_score_expressions() -%}
{%- set r_score = scores.r_score -%}
{%- set f_score = scores.f_score -%}
{%- set m_score = scores.m_score %}

with

history as (

    select * from {{ ref('int_purchases_aggregated_to_customers') }}

),

as_of as (

    select as_of_date from {{ ref('int_as_of_date') }}

),

measured as (

    select
        history.customer_unique_id,
        history.last_purchase_at,
        {{ dbt.datediff('cast(history.last_purchase_at as date)', 'as_of.as_of_date', 'day') }} as recency_days,  -- noqa: LT05
        history.purchases as frequency,
        history.monetary,
        as_of.as_of_date
    from history
    cross join as_of

),

scored as (

    select
        customer_unique_id,
        last_purchase_at,
        recency_days,
        frequency,
        monetary,
        as_of_date,
        {{ r_score }} as r_score,
        {{ f_score }} as f_score,
        {{ m_score }} as m_score
    from measured

)

select
    customer_unique_id,
    last_purchase_at,
    recency_days,
    frequency,
    monetary,
    r_score,
    f_score,
    m_score,
    '{{ scheme }}' as rfm_scheme,
    as_of_date
from scored
