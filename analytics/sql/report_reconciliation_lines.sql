-- The reconciliation lines that need attention: not matched, or never acknowledged by the partner.
-- Parameters: $date_from, $date_to as in report_reconciliation.
with
scoped as (
    select * from reconciliation_scope($date_from, $date_to)
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
