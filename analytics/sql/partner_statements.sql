-- One row per statement line: (partner, statement id, CDR id).
with
staged as (
    select * from stg_partner_statements
),

ranked as (
    select
        *,
        row_number() over (partition by partner, statement_id, cdr_id order by source_file desc) as copy_rank
    from staged
),

final as (
    select * exclude (copy_rank) from ranked where copy_rank = 1
    union all
    select * from stg_partner_statements_compacted
)

select * from final
