-- A partner's settlement statement for one month: one line per CDR that ended in the month (UTC date of the
-- end, as settlement), credits as negative lines. Parameters: $partner ('CC-PID'), $month_start, $month_end.
-- Amounts are rounded to cents per line (half away from zero), as invoiced; the totals are sums of those lines.
with
scoped as (
    select *
    from cdrs_local
    where partner = $partner
      and dt between cast($month_start as date) and cast($month_end as date)
),

final as (
    select
        cdr_id,
        case when is_credit then 'credit' else 'charge' end as kind,
        credit_reference_id,
        location_id,
        evse_uid,
        contract_id,
        tariff_id,
        start_date_time,
        end_date_time,
        time_zone,
        local_start,
        currency,
        case when is_credit then -abs(total_energy_kwh) else total_energy_kwh end as energy_kwh,
        case when is_credit then -abs(total_time_hours) else total_time_hours end as time_hours,
        case when is_credit then -abs(total_parking_time_hours) else total_parking_time_hours end as parking_hours,
        round(case when is_credit then -abs(total_cost_excl_vat) else total_cost_excl_vat end, 2) as excl_vat,
        round(case when is_credit then -abs(total_cost_incl_vat) else total_cost_incl_vat end, 2) as incl_vat
    from scoped
)

select * from final
order by end_date_time, cdr_id
