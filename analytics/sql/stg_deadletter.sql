-- Staging: every dead letter as landed (duplicates included); rename and cast only.
select
    cast(stage as varchar) as stage,
    cast(reason as varchar) as reason,
    cast(source_topic as varchar) as source_topic,
    cast(source_partition as integer) as source_partition,
    cast(source_offset as bigint) as source_offset,
    cast(key as blob) as record_key,
    cast(payload as blob) as payload,
    cast(event_time as timestamptz) as event_time,
    cast(occurred_at as timestamptz) as occurred_at,
    cast(letter_id as varchar) as letter_id,
    cast(dt as date) as dt,
    cast(filename as varchar) as source_file
from raw_deadletter
