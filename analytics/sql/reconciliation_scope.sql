-- The reconciliation lines in scope of a report from date_from to date_to (inclusive, null = open): a line is in
-- scope when our CDR ended in the range or its statement's period overlaps it. A table macro
-- (``reconciliation_scope($date_from, $date_to)``), read by report_reconciliation and report_reconciliation_lines.
select *
from int_reconciliation_lines
where (
    cdr_date between coalesce(cast(date_from as date), date '0001-01-01')
        and coalesce(cast(date_to as date), date '9999-12-31')
) or (
    period_start <= coalesce(cast(date_to as date), date '9999-12-31')
    and period_end >= coalesce(cast(date_from as date), date '0001-01-01')
)
