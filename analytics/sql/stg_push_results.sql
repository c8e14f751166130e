-- Staging: every push attempt as landed (duplicates included); rename and cast only.
select
    cast(partner as varchar) as partner,
    cast(module as varchar) as module,
    cast(object_id as varchar) as object_id,
    cast(method as varchar) as http_method,
    cast(url as varchar) as url,
    cast(attempt as integer) as attempt,
    cast(http_status as integer) as http_status,
    cast(ocpi_status_code as integer) as ocpi_status_code,
    cast(ocpi_status_message as varchar) as ocpi_status_message,
    cast(location as varchar) as location_header,
    cast(ok as boolean) as ok,
    cast(error as varchar) as error,
    cast(event_time as timestamptz) as object_last_updated,
    cast(pushed_at as timestamptz) as pushed_at,
    cast(latency_ms as double) as latency_ms,
    cast(outcome as varchar) as outcome,
    cast(request_id as varchar) as request_id,
    cast(dt as date) as dt,
    cast(filename as varchar) as source_file
from raw_push_results
