-- Staging: every Token version as landed (duplicates included); rename and cast only.
select
    cast(country_code as varchar) as country_code,
    cast(party_id as varchar) as party_id,
    cast(id as varchar) as token_uid,
    cast(last_updated as timestamptz) as last_updated,
    cast(deleted as boolean) as deleted,
    cast(token_type as varchar) as token_type,
    cast(contract_id as varchar) as contract_id,
    cast(issuer as varchar) as issuer,
    cast(valid as boolean) as valid,
    cast(whitelist as varchar) as whitelist,
    cast(ocpi_json as varchar) as ocpi_json,
    cast(dt as date) as dt,
    cast(filename as varchar) as source_file
from raw_tokens
