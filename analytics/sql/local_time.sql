-- A relation of sessions or CDRs (the one ``facts`` reads: the views ``cdrs_local`` and ``sessions_local`` are this
-- template over ``cdrs`` and ``sessions_current``, see analytics/queries.py) in the local time of their location:
-- its time zone is that of the location version valid at the start (else the location's first version); null
-- when the location is unknown.
with
facts as (
    select * from facts_relation
),

zones as (
    select country_code, party_id, location_id, valid_from, time_zone
    from locations
    where not deleted and time_zone is not null
),

first_zones as (
    select country_code, party_id, location_id, arg_min(time_zone, valid_from) as first_time_zone
    from zones
    group by country_code, party_id, location_id
),

at_start as (
    select f.*, z.time_zone as zone_at_start
    from facts as f
    asof left join zones as z
        on f.country_code = z.country_code
        and f.party_id = z.party_id
        and f.location_id = z.location_id
        and f.start_date_time >= z.valid_from
),

zoned as (
    select
        a.* exclude (zone_at_start),
        coalesce(a.zone_at_start, fz.first_time_zone) as time_zone
    from at_start as a
    left join first_zones as fz
        on a.country_code = fz.country_code and a.party_id = fz.party_id and a.location_id = fz.location_id
),

final as (
    select
        *,
        timezone(time_zone, start_date_time) as local_start,
        timezone(time_zone, end_date_time) as local_end,
        cast(timezone(time_zone, start_date_time) as date) as local_start_date,
        cast(extract(hour from timezone(time_zone, start_date_time)) as integer) as local_start_hour,
        cast(isodow(timezone(time_zone, start_date_time)) as integer) as local_weekday,
        dayname(timezone(time_zone, start_date_time)) as local_weekday_name
    from zoned
)

select * from final
