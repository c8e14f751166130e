-- One row per push attempt: (partner, module, object id, the object's last_updated, attempt).
with
staged as (
    select * from stg_push_results
),

ranked as (
    select
        *,
        row_number() over (
            partition by partner, module, object_id, object_last_updated, attempt
            order by pushed_at desc, source_file desc
        ) as copy_rank
    from staged
),

final as (
    select * exclude (copy_rank) from ranked where copy_rank = 1
    union all
    select * from stg_push_results_compacted
)

select * from final
