-- The reconciliation lines that need attention: not matched, or never acknowledged by the partner.
-- Parameters: $date_from, $date_to as in report_reconciliation.
with
lines as (
    select * from int_reconciliation_lines
),

scoped as (
    select *
    from lines
    where (
        cdr_date between coalesce(cast($date_from as date), date '0001-01-01')
            and coalesce(cast($date_to as date), date '9999-12-31')
    ) or (
        period_start <= coalesce(cast($date_to as date), date '9999-12-31')
        and period_end >= coalesce(cast($date_from as date), date '0001-01-01')
    )
),

final as (
    select
        partner,
        cdr_id,
        status,
        acknowledged,
        cdr_date,
        statement_id,
        our_currency,
        statement_currency,
        our_excl_vat,
        statement_excl_vat,
        difference_excl_vat,
        our_incl_vat,
        statement_incl_vat,
        difference_incl_vat,
        our_energy_kwh,
        statement_energy_kwh,
        push_attempts,
        last_push_error
    from scoped
    where status <> 'matched' or acknowledged is false
)

select * from final
order by partner, cdr_id
