-- One row per Session snapshot (session id, last_updated); see sessions_current for the latest state.
with
staged as (
    select * from stg_sessions
),

ranked as (
    select
        *,
        row_number() over (partition by session_id, last_updated order by source_file desc) as copy_rank
    from staged
),

final as (
    select * exclude (copy_rank) from ranked where copy_rank = 1
    union all
    select * from stg_sessions_compacted
)

select * from final
