-- Staging: every Tariff version as landed (duplicates included); rename and cast only.
select
    cast(country_code as varchar) as country_code,
    cast(party_id as varchar) as party_id,
    cast(id as varchar) as tariff_id,
    cast(last_updated as timestamptz) as last_updated,
    cast(deleted as boolean) as deleted,
    cast(currency as varchar) as currency,
    cast(tariff_type as varchar) as tariff_type,
    cast(elements as integer) as elements,
    cast(dimensions as varchar[]) as dimensions,
    cast(start_date_time as timestamptz) as start_date_time,
    cast(end_date_time as timestamptz) as end_date_time,
    cast(ocpi_json as varchar) as ocpi_json,
    cast(dt as date) as dt,
    cast(filename as varchar) as source_file
from raw_tariffs
