-- Push health per partner and module over pushes made in the range (UTC date of pushed_at).
-- Parameters: $date_from, $date_to (inclusive, null = open).
with
scoped as (
    select *
    from push_results
    where (cast($date_from as date) is null or cast(pushed_at as date) >= cast($date_from as date))
      and (cast($date_to as date) is null or cast(pushed_at as date) <= cast($date_to as date))
),

per_partner as (
    select
        partner,
        module,
        count(*) as attempts,
        count(*) filter (where ok) as succeeded,
        count(distinct (object_id, object_last_updated)) as objects,
        quantile_cont(latency_ms, 0.5) as latency_p50,
        quantile_cont(latency_ms, 0.95) as latency_p95,
        max(pushed_at) as last_push_at,
        max(pushed_at) filter (where not ok) as last_error_at,
        arg_max(coalesce(error, ocpi_status_message), pushed_at) filter (where not ok) as last_error
    from scoped
    group by partner, module
),

final as (
    select
        partner,
        module,
        attempts,
        succeeded,
        attempts - succeeded as failed,
        objects,
        round(100.0 * succeeded / attempts, 1) as success_rate_pct,
        round(latency_p50, 1) as latency_p50_ms,
        round(latency_p95, 1) as latency_p95_ms,
        last_push_at,
        last_error_at,
        last_error
    from per_partner
)

select * from final
order by partner, module
