-- One row per push attempt: (partner, module, object id, the object's last_updated, attempt, request id).
-- An attempt's intent (written before the request went out, outcome 'unknown') and its result share the
-- request id: the result, written later, supersedes it; an intent without a result stays, as
-- "outcome unknown" (the worker died with the request in flight).
with
staged as (
    select * from stg_push_results
),

ranked as (
    select
        *,
        row_number() over (
            partition by partner, module, object_id, object_last_updated, attempt, request_id
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
