-- Staging: every CDR row as landed (duplicates included); rename and cast only.
select
    cast(id as varchar) as cdr_id,
    cast(country_code as varchar) as country_code,
    cast(party_id as varchar) as party_id,
    cast(partner as varchar) as partner,
    cast(charge_point_id as varchar) as charge_point_id,
    cast(transaction_id as varchar) as transaction_id,
    cast(session_id as varchar) as session_id,
    cast(start_date_time as timestamptz) as start_date_time,
    cast(end_date_time as timestamptz) as end_date_time,
    cast(currency as varchar) as currency,
    cast(total_energy as decimal(18, 4)) as total_energy_kwh,
    cast(total_time as decimal(18, 4)) as total_time_hours,
    cast(total_parking_time as decimal(18, 4)) as total_parking_time_hours,
    cast(total_cost_excl_vat as decimal(18, 4)) as total_cost_excl_vat,
    cast(total_cost_incl_vat as decimal(18, 4)) as total_cost_incl_vat,
    cast(credit as boolean) as is_credit,
    cast(credit_reference_id as varchar) as credit_reference_id,
    cast(last_updated as timestamptz) as last_updated,
    cast(ocpi_json as varchar) as ocpi_json,
    cast(dt as date) as dt,
    cast(filename as varchar) as source_file
from raw_cdrs
