-- Staging: every charge point life-cycle event and kept station message as landed (duplicates included);
-- rename and cast only.
select
    cast(charge_point_id as varchar) as charge_point_id,
    cast(ocpp_version as varchar) as ocpp_version,
    cast(kind as varchar) as kind,
    cast(timestamp as timestamptz) as event_timestamp,
    cast(received_at as timestamptz) as received_at,
    cast(connector_id as integer) as connector_id,
    cast(evse_id as integer) as evse_id,
    cast(status as varchar) as status,
    cast(error_code as varchar) as error_code,
    cast(vendor as varchar) as vendor,
    cast(model as varchar) as model,
    cast(clock_skew_ms as bigint) as clock_skew_ms,
    cast(message_action as varchar) as action,
    cast(frame as varchar) as frame,
    cast(dt as date) as dt,
    cast(filename as varchar) as source_file
from raw_station_events
