-- One row per dead letter. A letter's own id (letter_id, given where it was written) tells at-least-once
-- copies of one letter from two letters that say the same thing (two stations sending the same bad frame);
-- letters landed before they had an id are told apart, as then, by (stage, source coordinates, reason,
-- payload). The first occurrence is kept.
with
staged as (
    select * from stg_deadletter
),

identified as (
    select
        *,
        row_number() over (partition by letter_id order by occurred_at, source_file) as copy_rank
    from staged
    where letter_id is not null
),

legacy as (
    select
        *,
        row_number() over (
            partition by stage, source_topic, source_partition, source_offset, reason, payload
            order by occurred_at, source_file
        ) as copy_rank
    from staged
    where letter_id is null
),

final as (
    select * exclude (copy_rank) from identified where copy_rank = 1
    union all by name
    select * exclude (copy_rank) from legacy where copy_rank = 1
)

select * from final
