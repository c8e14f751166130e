-- One row per CDR id: at-least-once processing may land the same CDR in more than one file.
with
staged as (
    select * from stg_cdrs
),

ranked as (
    select
        *,
        row_number() over (partition by cdr_id order by last_updated desc, source_file desc) as copy_rank
    from staged
),

final as (
    select * exclude (copy_rank) from ranked where copy_rank = 1
    union all
    select * from stg_cdrs_compacted
)

select * from final
