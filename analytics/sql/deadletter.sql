-- One row per dead letter. A letter's own id (letter_id, given where it was written) tells at-least-once
-- copies of one letter from two letters that say the same thing (two stations sending the same bad frame);
-- letters landed before they had an id are told apart, as then, by (stage, source coordinates, reason,
-- payload). The first occurrence is kept (the key and the copy kept are roamstream.lake.tables' too).
with
staged as (
    select * from stg_deadletter
),

ranked as (
    select
        *,
        row_number() over (
            partition by letter_id, stage, source_topic, source_partition, source_offset, reason, payload
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
