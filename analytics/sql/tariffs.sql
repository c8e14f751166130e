-- Every Tariff version, one row per (country_code, party_id, tariff_id, last_updated), with its validity:
-- valid_from is its last_updated, valid_to the next version's (null: the current one). A deletion is a version
-- with deleted = true; the version before it is valid until then.
with
staged as (
    select * from stg_tariffs
),

ranked as (
    select
        *,
        row_number() over (
            partition by country_code, party_id, tariff_id, last_updated order by source_file desc
        ) as copy_rank
    from staged
),

versions as (
    select * exclude (copy_rank) from ranked where copy_rank = 1
    union all
    select * from stg_tariffs_compacted
),

final as (
    select
        *,
        last_updated as valid_from,
        lead(last_updated) over (partition by country_code, party_id, tariff_id order by last_updated) as valid_to
    from versions
)

select * from final
