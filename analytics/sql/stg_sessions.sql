-- Staging: every Session snapshot row as landed (duplicates included); rename and cast only.
select
    cast(id as varchar) as session_id,
    cast(country_code as varchar) as country_code,
    cast(party_id as varchar) as party_id,
    cast(partner as varchar) as partner,
    cast(charge_point_id as varchar) as charge_point_id,
    cast(status as varchar) as status,
    cast(start_date_time as timestamptz) as start_date_time,
    cast(end_date_time as timestamptz) as end_date_time,
    cast(kwh as decimal(18, 4)) as energy_kwh,
    cast(last_updated as timestamptz) as last_updated,
    cast(ocpi_json as varchar) as ocpi_json,
    cast(location_id as varchar) as location_id,
    cast(evse_uid as varchar) as evse_uid,
    cast(connector_id as varchar) as connector_id,
    cast(token_uid as varchar) as token_uid,
    cast(token_type as varchar) as token_type,
    cast(contract_id as varchar) as contract_id,
    cast(auth_method as varchar) as auth_method,
    cast(dt as date) as dt,
    cast(filename as varchar) as source_file
from raw_sessions
