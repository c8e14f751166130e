-- Staging: every Location version as landed (duplicates included); rename and cast only.
select
    cast(country_code as varchar) as country_code,
    cast(party_id as varchar) as party_id,
    cast(id as varchar) as location_id,
    cast(last_updated as timestamptz) as last_updated,
    cast(deleted as boolean) as deleted,
    cast(name as varchar) as name,
    cast(city as varchar) as city,
    cast(country as varchar) as country,
    cast(time_zone as varchar) as time_zone,
    cast(latitude as varchar) as latitude,
    cast(longitude as varchar) as longitude,
    cast(evses as integer) as evses,
    cast(ocpi_json as varchar) as ocpi_json,
    cast(dt as date) as dt,
    cast(filename as varchar) as source_file
from raw_locations
