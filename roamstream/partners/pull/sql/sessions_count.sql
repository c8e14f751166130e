-- How many Sessions (latest snapshot of each) a pull may page through: the caller's ($parties; null for
-- all), last_updated in [$date_from, $date_to).
with
selected as (
    select session_id
    from sessions_current
    where ($parties is null or list_contains($parties, partner))
        and ($date_from is null or last_updated >= $date_from)
        and ($date_to is null or last_updated < $date_to)
),

final as (
    select count(*) as total from selected
)

select * from final
