-- One row per dead letter: (stage, source topic, partition, offset, reason, payload); the first occurrence.
with
staged as (
    select * from stg_deadletter
),

ranked as (
    select
        *,
        row_number() over (
            partition by stage, source_topic, source_partition, source_offset, reason, payload
            order by occurred_at, source_file
        ) as copy_rank
    from staged
),

final as (
    select * exclude (copy_rank) from ranked where copy_rank = 1
    union all
    select * from stg_deadletter_compacted
)

select * from final
