-- Settlement per partner, currency and period (day or month of the CDR's end, UTC).
-- Parameters: $date_from, $date_to (inclusive dates, null = open), $group_by ('day' or 'month').
-- A credit CDR counts against its original: its amounts are netted whatever sign it was priced with.
-- Sums are over unrounded DECIMALs; money is rounded once, to cents, at the end; energy stays exact.
with
scoped as (
    select *
    from cdrs
    where (cast($date_from as date) is null or dt >= cast($date_from as date))
      and (cast($date_to as date) is null or dt <= cast($date_to as date))
),

signed as (
    select
        partner,
        currency,
        is_credit,
        case when $group_by = 'month' then cast(date_trunc('month', dt) as date) else dt end as period_start,
        case when is_credit then -abs(total_energy_kwh) else total_energy_kwh end as energy_kwh,
        case when is_credit then -abs(total_cost_excl_vat) else total_cost_excl_vat end as excl_vat,
        case when is_credit then -abs(total_cost_incl_vat) else total_cost_incl_vat end as incl_vat
    from scoped
),

totals as (
    select
        partner,
        currency,
        period_start,
        count(*) filter (where not is_credit) as cdrs,
        count(*) filter (where is_credit) as credits,
        sum(energy_kwh) as energy_kwh,
        sum(excl_vat) as excl_vat,
        sum(incl_vat) as incl_vat,
        count(*) filter (where incl_vat is null) as incl_vat_missing
    from signed
    group by partner, currency, period_start
),

final as (
    select
        partner,
        currency,
        period_start,
        case
            when $group_by = 'month' then cast(period_start + interval 1 month - interval 1 day as date)
            else period_start
        end as period_end,
        cdrs - credits as sessions,
        cdrs,
        credits,
        energy_kwh,
        round(excl_vat, 2) as total_excl_vat,
        case when incl_vat_missing = 0 then round(incl_vat, 2) end as total_incl_vat,
        incl_vat_missing
    from totals
)

select * from final
order by partner, currency, period_start
