-- One row per station event: (charge point, kind, event time, receive time, connector, EVSE, status, action,
-- frame); the first occurrence. A copy landed twice is the same on every column the connector wrote.
with
staged as (
    select * from stg_station_events
),

ranked as (
    select
        *,
        row_number() over (
            partition by
                charge_point_id, kind, event_timestamp, received_at, connector_id, evse_id, status, action, frame
            order by source_file
        ) as copy_rank
    from staged
),

final as (
    select * exclude (copy_rank) from ranked where copy_rank = 1
    union all
    select * from stg_station_events_compacted
)

select * from final
