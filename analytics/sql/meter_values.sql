-- One row per meter sample (event id, sample index).
with
staged as (
    select * from stg_meter_values
),

ranked as (
    select
        *,
        row_number() over (partition by event_id, sample_index order by source_file desc) as copy_rank
    from staged
),

final as (
    select * exclude (copy_rank) from ranked where copy_rank = 1
    union all
    select * from stg_meter_values_compacted
)

select * from final
