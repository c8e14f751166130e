-- The latest snapshot of each Session.
with
snapshots as (
    select * from sessions
),

ranked as (
    select
        *,
        row_number() over (partition by session_id order by last_updated desc) as recency_rank
    from snapshots
),

final as (
    select * exclude (recency_rank) from ranked where recency_rank = 1
)

select * from final
