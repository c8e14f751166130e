-- Staging: every partner statement line as landed (duplicates included); rename and cast only.
select
    cast(partner as varchar) as partner,
    cast(statement_id as varchar) as statement_id,
    cast(period_start as date) as period_start,
    cast(period_end as date) as period_end,
    cast(cdr_id as varchar) as cdr_id,
    cast(currency as varchar) as currency,
    cast(total_cost_excl_vat as decimal(18, 4)) as total_cost_excl_vat,
    cast(total_cost_incl_vat as decimal(18, 4)) as total_cost_incl_vat,
    cast(total_energy as decimal(18, 4)) as total_energy_kwh,
    cast(dt as date) as dt,
    cast(filename as varchar) as source_file
from raw_partner_statements
