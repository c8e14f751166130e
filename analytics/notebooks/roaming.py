"""Roaming analytics: when and where drivers charge (local time), how busy each EVSE and location is, how long
sessions last and how long cars stay parked, and the revenue per location, partner and tariff.
A marimo notebook: ``marimo edit analytics/notebooks/roaming.py -- --lake DIR``."""

import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="Roaming analytics")


@app.cell
def _():
    import altair as alt
    import marimo as mo

    from analytics import open_lake
    from roamstream.config import Settings

    return Settings, alt, mo, open_lake


@app.cell
def _(Settings, mo):
    lake_uri = mo.cli_args().get("lake") or Settings().lake.uri
    return (lake_uri,)


@app.cell
def _(lake_uri, mo, open_lake):
    con = open_lake(lake_uri)
    mo.md(f"# Roaming analytics\n\nThe lake at `{lake_uri}`. Times are the local time of each location "
          "(`cdrs_local`), so 18:00 means the evening wherever the charge point is.")
    return (con,)


@app.cell
def _(con):
    charged = con.sql(
        """
        select location_id, time_zone, local_start_hour, local_weekday, local_weekday_name,
               cast(total_energy_kwh as double) as energy_kwh
        from cdrs_local
        where not is_credit
        """
    ).df()
    return (charged,)


@app.cell
def _(alt, charged):
    hour_chart = (
        alt.Chart(charged)
        .mark_bar()
        .encode(
            x=alt.X("local_start_hour:O", title="local hour of the start"),
            y=alt.Y("count():Q", title="sessions"),
            color=alt.Color("time_zone:N"),
            tooltip=["local_start_hour", "time_zone", "count()"],
        )
        .properties(title="Sessions by local hour of day", width=560)
    )
    hour_chart
    return (hour_chart,)


@app.cell
def _(alt, charged):
    weekday_chart = (
        alt.Chart(charged)
        .mark_bar()
        .encode(
            x=alt.X("local_weekday_name:N", sort=["Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
                                                   "Saturday", "Sunday"], title="weekday"),
            y=alt.Y("sum(energy_kwh):Q", title="energy (kWh)"),
            color=alt.Color("location_id:N"),
            tooltip=["local_weekday_name", "location_id", "sum(energy_kwh)", "count()"],
        )
        .properties(title="Energy by weekday and location", width=560)
    )
    weekday_chart
    return (weekday_chart,)


@app.cell
def _(con):
    utilisation = con.sql(
        """
        with span as (
            select min(start_date_time) as first_start, max(end_date_time) as last_end from cdrs where not is_credit
        )
        select location_id, evse_uid,
               count(*) as sessions,
               sum(epoch(end_date_time - start_date_time)) / 3600.0 as plugged_hours,
               100.0 * sum(epoch(end_date_time - start_date_time))
                   / nullif(max(epoch(span.last_end - span.first_start)), 0) as utilisation_pct
        from cdrs, span
        where not is_credit
        group by all
        order by location_id, evse_uid
        """
    ).df()
    utilisation
    return (utilisation,)


@app.cell
def _(alt, utilisation):
    utilisation_chart = (
        alt.Chart(utilisation)
        .mark_bar()
        .encode(
            x=alt.X("utilisation_pct:Q", title="share of the period plugged in (%)"),
            y=alt.Y("evse_uid:N", sort="-x", title="EVSE"),
            color=alt.Color("location_id:N"),
            tooltip=["location_id", "evse_uid", "sessions", "plugged_hours", "utilisation_pct"],
        )
        .properties(title="Utilisation per EVSE", width=560)
    )
    utilisation_chart
    return (utilisation_chart,)


@app.cell
def _(con):
    durations = con.sql(
        """
        select location_id, tariff_id,
               cast(total_time_hours as double) as hours_plugged,
               cast(total_parking_time_hours as double) as hours_parked,
               cast(total_time_hours - total_parking_time_hours as double) as hours_charging
        from cdrs
        where not is_credit
        """
    ).df()
    return (durations,)


@app.cell
def _(alt, durations):
    duration_chart = (
        alt.Chart(durations)
        .transform_fold(["hours_charging", "hours_parked"], as_=["part", "hours"])
        .mark_bar(opacity=0.7)
        .encode(
            x=alt.X("hours:Q", bin=alt.Bin(step=0.25), title="hours"),
            y=alt.Y("count():Q", title="sessions", stack=None),
            color=alt.Color("part:N", title=""),
        )
        .properties(title="Session duration: charging and idle (parked while plugged in)", width=560)
    )
    duration_chart
    return (duration_chart,)


@app.cell
def _(con):
    revenue = con.sql(
        """
        select location_id, partner, tariff_id,
               sum(case when is_credit then -abs(total_cost_excl_vat) else total_cost_excl_vat end) as excl_vat,
               sum(total_parking_cost_excl_vat) as parking_excl_vat
        from cdrs
        group by all
        order by all
        """
    ).df()
    revenue
    return (revenue,)


@app.cell
def _(alt, revenue):
    revenue_chart = (
        alt.Chart(revenue.assign(excl_vat=revenue["excl_vat"].astype(float)))
        .mark_bar()
        .encode(
            x=alt.X("sum(excl_vat):Q", title="revenue excl. VAT"),
            y=alt.Y("location_id:N", title="location"),
            color=alt.Color("tariff_id:N", title="tariff"),
            tooltip=["location_id", "partner", "tariff_id", "excl_vat"],
        )
        .properties(title="Revenue per location and tariff", width=560)
    )
    revenue_chart
    return (revenue_chart,)


@app.cell
def _(alt, revenue):
    partner_chart = (
        alt.Chart(revenue.assign(excl_vat=revenue["excl_vat"].astype(float)))
        .mark_arc()
        .encode(
            theta=alt.Theta("sum(excl_vat):Q"),
            color=alt.Color("partner:N"),
            tooltip=["partner", "sum(excl_vat)"],
        )
        .properties(title="Revenue per partner")
    )
    partner_chart
    return (partner_chart,)


if __name__ == "__main__":
    app.run()
