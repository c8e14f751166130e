-- Our CDRs against partners' statement lines, one row per (partner, CDR id) on either side, all periods.
-- A CDR listed more than once is compared with its latest line; statement_billed_excl_vat sums all its lines,
-- each rounded to cents first. Money is compared at cents (what is invoiced: each amount rounded half away from
-- zero), energy exactly; a CDR is acknowledged once a push of it to that partner was delivered (``ok``: OCPI
-- 1000-1999, or "already exists" after an attempt whose outcome was unknown).
with
ours as (
    select partner, cdr_id, dt as cdr_date, currency, total_cost_excl_vat, total_cost_incl_vat, total_energy_kwh
    from cdrs
),

statement_lines as (
    select
        *,
        count(*) over (partition by partner, cdr_id) as times_listed,
        sum(round(total_cost_excl_vat, 2)) over (partition by partner, cdr_id) as statement_billed_excl_vat,
        row_number() over (partition by partner, cdr_id order by period_end desc, statement_id desc) as line_rank
    from partner_statements
),

theirs as (
    select * exclude (line_rank) from statement_lines where line_rank = 1
),

pushes as (
    select
        partner,
        object_id as cdr_id,
        count(*) as push_attempts,
        bool_or(ok) as acknowledged,
        arg_max(coalesce(error, ocpi_status_message), pushed_at) filter (where not ok) as last_push_error
    from push_results
    where module = 'cdrs'
    group by partner, object_id
),

joined as (
    select
        coalesce(o.partner, t.partner) as partner,
        coalesce(o.cdr_id, t.cdr_id) as cdr_id,
        o.cdr_date,
        t.statement_id,
        t.period_start,
        t.period_end,
        t.times_listed,
        o.currency as our_currency,
        t.currency as statement_currency,
        o.total_cost_excl_vat as our_excl_vat,
        t.total_cost_excl_vat as statement_excl_vat,
        t.statement_billed_excl_vat,
        o.total_cost_incl_vat as our_incl_vat,
        t.total_cost_incl_vat as statement_incl_vat,
        o.total_energy_kwh as our_energy_kwh,
        t.total_energy_kwh as statement_energy_kwh,
        o.cdr_id is not null as in_lake,
        t.cdr_id is not null as in_statement
    from ours as o
    full outer join theirs as t on o.partner = t.partner and o.cdr_id = t.cdr_id
),

final as (
    select
        j.*,
        j.statement_excl_vat - j.our_excl_vat as difference_excl_vat,
        j.statement_incl_vat - j.our_incl_vat as difference_incl_vat,
        case
            when not j.in_statement then 'missing_in_statement'
            when not j.in_lake then 'missing_in_lake'
            when j.our_currency <> j.statement_currency then 'currency_mismatch'
            when round(j.our_excl_vat, 2) <> round(j.statement_excl_vat, 2)
                or coalesce(round(j.our_incl_vat, 2) <> round(j.statement_incl_vat, 2), false)
                or j.our_energy_kwh <> j.statement_energy_kwh then 'amount_mismatch'
            when j.times_listed > 1 then 'listed_more_than_once'
            else 'matched'
        end as status,
        case when j.in_lake then coalesce(p.acknowledged, false) end as acknowledged,
        coalesce(p.push_attempts, 0) as push_attempts,
        p.last_push_error
    from joined as j
    left join pushes as p on p.partner = j.partner and p.cdr_id = j.cdr_id
)

select * from final
