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
    cast(dt as date) as dt,
    cast(filename as varchar) as source_file
from raw_sessions
