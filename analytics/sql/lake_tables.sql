-- What the lake holds: per table, the files, the rows as landed, the rows after deduplication, the dt range.
with
landed as (
    select 'meter_values' as table_name, source_file, dt from stg_meter_values
    union all
    select 'sessions', source_file, dt from stg_sessions
    union all
    select 'cdrs', source_file, dt from stg_cdrs
    union all
    select 'push_results', source_file, dt from stg_push_results
    union all
    select 'partner_statements', source_file, dt from stg_partner_statements
    union all
    select 'deadletter', source_file, dt from stg_deadletter
    union all
    select 'station_events', source_file, dt from stg_station_events
),

deduplicated as (
    select 'meter_values' as table_name, count(*) as unique_rows from meter_values
    union all
    select 'sessions', count(*) from sessions
    union all
    select 'cdrs', count(*) from cdrs
    union all
    select 'push_results', count(*) from push_results
    union all
    select 'partner_statements', count(*) from partner_statements
    union all
    select 'deadletter', count(*) from deadletter
    union all
    select 'station_events', count(*) from station_events
),

per_table as (
    select
        table_name,
        count(distinct source_file) as files,
        count(source_file) as rows,
        min(dt) as first_dt,
        max(dt) as last_dt
    from landed
    group by table_name
),

final as (
    select
        d.table_name,
        coalesce(p.files, 0) as files,
        coalesce(p.rows, 0) as rows,
        d.unique_rows,
        p.first_dt,
        p.last_dt
    from deduplicated as d
    left join per_table as p using (table_name)
)

select * from final
order by table_name
