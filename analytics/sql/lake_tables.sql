-- What the lake holds: per table, the files, the rows as landed (compacted days: as compacted), the rows after deduplication, the dt range.
with
landed as (
    select 'meter_values' as table_name, source_file, dt from stg_meter_values
    union all
    select 'meter_values', source_file, dt from stg_meter_values_compacted
    union all
    select 'sessions' as table_name, source_file, dt from stg_sessions
    union all
    select 'sessions', source_file, dt from stg_sessions_compacted
    union all
    select 'cdrs' as table_name, source_file, dt from stg_cdrs
    union all
    select 'cdrs', source_file, dt from stg_cdrs_compacted
    union all
    select 'push_results' as table_name, source_file, dt from stg_push_results
    union all
    select 'push_results', source_file, dt from stg_push_results_compacted
    union all
    select 'partner_statements' as table_name, source_file, dt from stg_partner_statements
    union all
    select 'partner_statements', source_file, dt from stg_partner_statements_compacted
    union all
    select 'deadletter' as table_name, source_file, dt from stg_deadletter
    union all
    select 'deadletter', source_file, dt from stg_deadletter_compacted
    union all
    select 'locations' as table_name, source_file, dt from stg_locations
    union all
    select 'locations', source_file, dt from stg_locations_compacted
    union all
    select 'tariffs' as table_name, source_file, dt from stg_tariffs
    union all
    select 'tariffs', source_file, dt from stg_tariffs_compacted
    union all
    select 'tokens' as table_name, source_file, dt from stg_tokens
    union all
    select 'tokens', source_file, dt from stg_tokens_compacted
    union all
    select 'station_events' as table_name, source_file, dt from stg_station_events
    union all
    select 'station_events', source_file, dt from stg_station_events_compacted
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
    select 'locations', count(*) from locations
    union all
    select 'tariffs', count(*) from tariffs
    union all
    select 'tokens', count(*) from tokens
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
