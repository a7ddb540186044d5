-- Baseline, step 2: customer value per segment from the RFM table.
drop table if exists clv;

create table clv as
select
    rfm_segment,
    count(*) as customers,
    count(*)::float / sum(count(*)) over () as customer_share,
    sum(monetary) as total_value,
    avg(monetary) as avg_value,
    sum(monetary) / sum(sum(monetary)) over () as value_share,
    sum(frequency) as purchases,
    sum(monetary) / sum(frequency) as avg_order_value
from rfm
group by rfm_segment;
