{#- How segment_history is refreshed incrementally (see its doc block in models/marts/marketing/_marketing__docs.md).
    Every decision is taken at execution time, in Jinja, from a few small queries (run_query, guarded by
    `execute`), and written into the SQL as literals: the model never reads the table it overwrites.
    - segment_history_plan(): which snapshot dates this run computes (each one whole) and why.
    - segment_history_clear_snapshots(): pre-hook removing the snapshots the run recomputes and those that fell off
      the snapshot grid (dispatched: a delete on DuckDB/PostgreSQL, dropped partitions on Spark).
    - segment_history_store_fingerprint(): post-hook writing the fingerprint of the inputs the rows were built with
      and the oldest snapshot date the run wrote into the control table <segment_history>__fingerprint; a run
      whose fingerprint differs recomputes every snapshot.
    - get_where_subquery(): the data tests' `where`, with a placeholder for the snapshots the last run wrote. -#}

{% macro segment_history_snapshot_dates() -%}
    {#- The snapshot grid, newest first, as 'YYYY-MM-DD' strings: the first day of as_of_date's month (read from
        int_as_of_date, built before segment_history) and every var segment_history_step_months months back, as
        far as var segment_history_months back (the same grid int_purchases_aggregated_to_customer_snapshots
        generates in SQL). Empty when int_as_of_date cannot be read (parsing, linting before a build). -#}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {%- set as_of_relation = ref('int_as_of_date') -%}
    {%- if adapter.get_relation(as_of_relation.database, as_of_relation.schema, as_of_relation.identifier) is none -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set row = run_query("select extract(year from as_of_date) as y, extract(month from as_of_date) as m from "
                            ~ as_of_relation).rows[0] -%}
    {%- set newest = (row[0] | int) * 12 + (row[1] | int) - 1 -%}
    {%- set step = var('segment_history_step_months') | int -%}
    {%- set dates = [] -%}
    {%- for index in range((var('segment_history_months') | int) // step + 1) -%}
        {%- set month = newest - index * step -%}
        {%- do dates.append('%04d-%02d-01' % (month // 12, month % 12 + 1)) -%}
    {%- endfor -%}
    {{ return(dates) }}
{%- endmacro %}


{% macro segment_history_months_before(day, months) -%}
    {#- 'YYYY-MM-01' of the month `months` months before the month of the 'YYYY-MM-DD' string `day`. -#}
    {%- set month = (day[0:4] | int) * 12 + (day[5:7] | int) - 1 - months -%}
    {{ return('%04d-%02d-01' % (month // 12, month % 12 + 1)) }}
{%- endmacro %}


{% macro segment_history_fingerprint() -%}
    {#- md5 of everything a stored snapshot's rows depend on besides the orders: the scoring SQL the macros
        render (scores and score → segment mapping), the code of segment_history and of its ephemeral input, the
        vars rfm_scheme, as_of_date and purchase_statuses (the definition of is_purchase), and the rows of the
        rfm_segment_rules seed. The snapshot grid vars are not in it: the grid is handled date by date (missing
        dates are computed, dates off the grid removed). -#}
    {%- set scores = rfm_score_expressions(partition_by='snapshot_date') -%}
    {%- set parts = [
        'scheme=' ~ var('rfm_scheme'),
        'as_of_date=' ~ var('as_of_date'),
        'purchase_statuses=' ~ purchase_statuses_sql(),
        'r=' ~ scores.r_score, 'f=' ~ scores.f_score, 'm=' ~ scores.m_score,
        'segments=' ~ rfm_segment_of_scores('segment_rules'),
    ] -%}
    {%- for node_id in ['model.customer_intel.segment_history',
                        'model.customer_intel.int_purchases_aggregated_to_customer_snapshots'] -%}
        {%- do parts.append(node_id ~ '=' ~ graph.nodes[node_id].raw_code) -%}
    {%- endfor -%}
    {%- if execute -%}
        {%- set rules = run_query('select * from ' ~ ref('rfm_segment_rules')) -%}
        {%- set rows = [] -%}
        {%- for row in rules.rows -%}
            {%- do rows.append(row.values() | join('|')) -%}
        {%- endfor -%}
        {%- do parts.append('rules=' ~ (rows | sort | join(';'))) -%}
    {%- endif -%}
    {{ return(local_md5(parts | join('\n'))) }}
{%- endmacro %}


{% macro segment_history_fingerprint_relation(relation=none) -%}
    {#- The control table beside segment_history (or beside `relation`, the model a data test reads) holding the
        fingerprint its rows were built with and the oldest snapshot date the last run wrote. -#}
    {%- set model = relation if relation is not none else this -%}
    {{ return(api.Relation.create(database=model.database, schema=model.schema,
                                  identifier=model.identifier ~ '__fingerprint', type='table')) }}
{%- endmacro %}


{% macro segment_history_stored_fingerprint() -%}
    {#- The fingerprint stored by the last run, or none (no control table yet). -#}
    {%- set relation = segment_history_fingerprint_relation() -%}
    {%- if adapter.get_relation(relation.database, relation.schema, relation.identifier) is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set rows = run_query('select fingerprint from ' ~ relation).rows -%}
    {{ return(rows[0][0] if rows | length == 1 else none) }}
{%- endmacro %}


{% macro segment_history_plan() -%}
    {#- {'grid': every snapshot date, newest first; 'compute': the dates this run computes; 'full': whether it
        computes the whole grid; 'reason': why}. Incremental runs compute the dates missing from the table and
        every date within var segment_history_lookback_months of the newest one; all of them when the table is
        new, on --full-refresh, or when the stored fingerprint differs from this run's (changed inputs). -#}
    {%- set lookback = var('segment_history_lookback_months') | int -%}
    {%- if lookback < 0 -%}
        {{ exceptions.raise_compiler_error("var segment_history_lookback_months must be >= 0") }}
    {%- endif -%}
    {%- set grid = segment_history_snapshot_dates() -%}
    {%- if not grid or not is_incremental() -%}
        {{ return({'grid': grid, 'compute': grid, 'full': true, 'reason': 'new table or --full-refresh'}) }}
    {%- endif -%}
    {%- if segment_history_stored_fingerprint() != segment_history_fingerprint() -%}
        {{ return({'grid': grid, 'compute': grid, 'full': true,
                   'reason': 'inputs changed since the last build (fingerprint differs): every snapshot recomputed'}) }}
    {%- endif -%}
    {%- set existing = [] -%}
    {%- for row in run_query('select distinct snapshot_date from ' ~ this).rows -%}
        {%- do existing.append((row[0] | string)[0:10]) -%}
    {%- endfor -%}
    {%- set oldest_recomputed = segment_history_months_before(grid[0], lookback) -%}
    {%- set compute = [] -%}
    {%- for day in grid if day not in existing or day >= oldest_recomputed -%}
        {%- do compute.append(day) -%}
    {%- endfor -%}
    {{ return({'grid': grid, 'compute': compute, 'full': false,
               'reason': (compute | length) ~ ' of ' ~ (grid | length) ~ ' snapshots (missing or since '
                         ~ oldest_recomputed ~ ')'}) }}
{%- endmacro %}


{% macro segment_history_clear_snapshots() -%}
    {#- Pre-hook of segment_history: on an incremental run, records in the control table the oldest snapshot date
        the run writes, then removes the snapshots the run recomputes (so a date whose recomputation has no row
        does not keep its old rows) and every snapshot off the current grid (as as_of_date moves on, the oldest
        falls out: the table must equal a full build). -#}
    {%- if execute and is_incremental() -%}
        {%- set plan = segment_history_plan() -%}
        {%- do log('segment_history: ' ~ plan.reason, info=true) -%}
        {#- the dates this run writes, for the post-hook; the fingerprint stays the stored one until then -#}
        {%- do segment_history_write_control(segment_history_stored_fingerprint(),
                                             segment_history_oldest(plan.compute)) -%}
        {{ return(adapter.dispatch('segment_history_clear_snapshots', 'customer_intel')(plan)) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__segment_history_clear_snapshots(plan) -%}
    {#- DuckDB, PostgreSQL: one delete, inside the model's transaction (the run commits all or nothing). -#}
    delete from {{ this }}
    where snapshot_date not in ({{ segment_history_date_list(plan.grid) }})
        or snapshot_date in ({{ segment_history_date_list(plan.compute) }})
{%- endmacro %}

{% macro postgres__segment_history_clear_snapshots(plan) -%}
    {#- PostgreSQL: the same delete, after dropping the table's indexes; the post-hook builds them again once the
        recomputed rows are in (segment_history_restore_indexes). Measured at 10× Olist: appending the 3.4 M rows
        of 4 snapshots through the unique index took 31.9 s, without it 3.3 s plus 11.1 s to rebuild the index. -#}
    {%- for name in segment_history_index_names() %}
    drop index if exists {{ adapter.quote(this.schema) }}.{{ adapter.quote(name) }};
    {%- endfor %}
    {{ default__segment_history_clear_snapshots(plan) }}
{%- endmacro %}

{% macro segment_history_index_names() -%}
    {#- Names of the indexes on this model's table (PostgreSQL). -#}
    {%- set sql = "select indexname from pg_indexes where schemaname = '" ~ this.schema ~ "' and tablename = '"
                  ~ this.identifier ~ "' order by indexname" -%}
    {{ return(run_query(sql).columns[0].values() | list) }}
{%- endmacro %}

{% macro segment_history_restore_indexes() -%}
    {{ return(adapter.dispatch('segment_history_restore_indexes', 'customer_intel')()) }}
{%- endmacro %}

{% macro default__segment_history_restore_indexes() -%}
{%- endmacro %}

{% macro postgres__segment_history_restore_indexes() -%}
    {#- Post-hook part: builds the model's configured indexes when the table has none (an incremental run's
        pre-hook dropped them; dbt itself creates them only when the table is new or fully refreshed, before the
        post-hooks). -#}
    {%- if not segment_history_index_names() -%}
        {%- for index in config.get('indexes', []) -%}
            {%- do run_query(get_create_index_sql(this, index)) -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}

{% macro spark__segment_history_clear_snapshots(plan) -%}
    {#- Spark: drops the partitions (the table is partitioned by snapshot_date; insert_overwrite then writes the
        recomputed ones with dynamic partition overwrite). No transaction: a run that fails after this leaves
        those dates missing, and the next run computes every missing date. -#}
    {%- set drop = [] -%}
    {%- for row in run_query('select distinct snapshot_date from ' ~ this).rows -%}
        {%- set day = (row[0] | string)[0:10] -%}
        {%- if day not in plan.grid or day in plan.compute -%}
            {%- do drop.append("partition (snapshot_date = '" ~ day ~ "')") -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if drop -%}
        alter table {{ this }} drop if exists {{ drop | join(', ') }}
    {%- endif -%}
{%- endmacro %}


{% macro segment_history_date_list(dates) -%}
    {#- 'YYYY-MM-DD' strings as a comma-separated list of SQL dates. -#}
    {%- for day in dates -%}cast('{{ day }}' as date){{ ", " if not loop.last }}{%- endfor -%}
{%- endmacro %}


{% macro segment_history_write_control(fingerprint, oldest_written) -%}
    {#- Replaces the control table's one row: the fingerprint the stored rows were built with, the oldest snapshot
        date the run wrote (every later date was written too) and the run's invocation_id. Inside the model's
        transaction on DuckDB/PostgreSQL (run_query shares the model's connection). -#}
    {%- set relation = segment_history_fingerprint_relation() -%}
    {%- do run_query('drop table if exists ' ~ relation) -%}
    {%- set row = "select cast('" ~ (fingerprint or '') ~ "' as " ~ dbt.type_string() ~ ") as fingerprint, cast('"
                  ~ oldest_written ~ "' as date) as oldest_written_snapshot_date, cast('" ~ invocation_id ~ "' as "
                  ~ dbt.type_string() ~ ") as invocation_id" -%}
    {%- if target.type == 'spark' -%}
        {%- do run_query('create table ' ~ relation ~ ' using parquet as ' ~ row) -%}
    {%- else -%}
        {%- do run_query('create table ' ~ relation ~ ' as ' ~ row) -%}
        {%- if target.type == 'postgres' -%}
            {#- analysed like every built table (macro analyze_after_build) -#}
            {%- do run_query('analyze ' ~ relation) -%}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}


{% macro segment_history_oldest(dates) -%}
    {#- The oldest of 'YYYY-MM-DD' strings; a date after every snapshot when there are none (nothing written). -#}
    {{ return((dates | sort | first) if dates else '9999-12-31') }}
{%- endmacro %}


{% macro segment_history_store_fingerprint() -%}
    {#- Post-hook of segment_history: builds the indexes an incremental run dropped (PostgreSQL), then stores this
        run's fingerprint, so the next run can tell whether the stored rows were built with the same inputs, with
        the oldest snapshot date the run wrote: the one the pre-hook recorded in this invocation (an incremental
        run), else the oldest of the grid (a new table or --full-refresh: every date written). The history's column tests read the snapshots from there on (macro
        get_where_subquery). -#}
    {%- if execute -%}
        {%- do segment_history_restore_indexes() -%}
        {%- set relation = segment_history_fingerprint_relation() -%}
        {%- set oldest_written = none -%}
        {%- if adapter.get_relation(relation.database, relation.schema, relation.identifier) is not none -%}
            {%- set rows = run_query('select * from ' ~ relation).rows -%}
            {%- if rows | length == 1 and 'invocation_id' in rows[0].keys()
                  and rows[0]['invocation_id'] == invocation_id -%}
                {%- set oldest_written = (rows[0]['oldest_written_snapshot_date'] | string)[0:10] -%}
            {%- endif -%}
        {%- endif -%}
        {%- do segment_history_write_control(
            segment_history_fingerprint(),
            oldest_written or segment_history_oldest(segment_history_snapshot_dates())) -%}
    {%- endif -%}
{%- endmacro %}


{% macro get_where_subquery(relation) -%}
    {#- dbt's filter of a data test's `where` config, with one addition: the placeholder
        __snapshots_written_by_the_last_run__ stands for the snapshot dates the last run of the tested model wrote
        (its control table <model>__fingerprint holds the oldest; every later date was written too), so the column
        tests of the incremental segment_history read the new and recomputed snapshots only; a full build wrote
        them all. Any other `where` is dbt's. -#}
    {%- set where = config.get('where') or '' -%}
    {%- set placeholder = '__snapshots_written_by_the_last_run__' -%}
    {%- if placeholder in where -%}
        {%- set control = segment_history_fingerprint_relation(relation) -%}
        {%- set written = 'snapshot_date >= (select oldest_written_snapshot_date from ' ~ control ~ ')' -%}
        {{ return('(select * from ' ~ relation ~ ' where ' ~ where | replace(placeholder, written) ~ ') dbt_subquery') }}
    {%- endif -%}
    {{ return(adapter.dispatch('get_where_subquery', 'dbt')(relation)) }}
{%- endmacro %}
