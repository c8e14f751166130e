-- Reconciliation per partner: our CDRs against the partner's statements and against push acknowledgements.
-- Parameters: $date_from, $date_to (inclusive, null = open). A line is in scope when our CDR ended in the
-- range or its statement's period overlaps it. Rounding, as invoices do: every line's amount is rounded to cents
-- (half away from zero) and the totals are sums of those cents, so lines that all match leave no difference.
with
scoped as (
    select * from reconciliation_scope($date_from, $date_to)
),

per_partner as (
    select
        partner,
        count(*) filter (where in_lake) as our_cdrs,
        count(*) filter (where in_statement) as statement_cdrs,
        count(*) filter (where status = 'matched') as matched,
        count(*) filter (where status in ('amount_mismatch', 'currency_mismatch')) as amount_mismatches,
        count(*) filter (where status = 'missing_in_statement') as missing_in_statement,
        count(*) filter (where status = 'missing_in_lake') as missing_in_lake,
        count(*) filter (where status = 'listed_more_than_once') as listed_more_than_once,
        count(*) filter (where in_lake and not acknowledged) as not_acknowledged,
        coalesce(sum(round(our_excl_vat, 2)), 0) as our_excl_vat,
        coalesce(sum(statement_billed_excl_vat), 0) as statement_excl_vat
    from scoped
    group by partner
),

final as (
    select
        partner,
        our_cdrs,
        statement_cdrs,
        matched,
        amount_mismatches,
        missing_in_statement,
        missing_in_lake,
        listed_more_than_once,
        not_acknowledged,
        our_excl_vat as our_total_excl_vat,
        statement_excl_vat as statement_total_excl_vat,
        statement_excl_vat - our_excl_vat as difference_excl_vat
    from per_partner
)

select * from final
order by partner
