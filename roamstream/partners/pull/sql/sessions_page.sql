-- One page of the caller's Sessions (latest snapshot of each; $parties null for all) with last_updated in
-- [$date_from, $date_to), oldest first (ties by id), as their exact OCPI JSON.
with
selected as (
    select session_id, last_updated, ocpi_json
    from sessions_current
    where ($parties is null or list_contains($parties, partner))
        and ($date_from is null or last_updated >= $date_from)
        and ($date_to is null or last_updated < $date_to)
),

final as (
    select ocpi_json
    from selected
    order by last_updated, session_id
    limit $limit offset $offset
)

select * from final
