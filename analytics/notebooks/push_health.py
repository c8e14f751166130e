"""Push health: how fast and how reliably CDRs and Sessions reach each partner, over time.
A marimo notebook: ``marimo edit analytics/notebooks/push_health.py -- --lake DIR``."""

import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="Push health")


@app.cell
def _():
    import altair as alt
    import marimo as mo

    from analytics import open_lake, push_health
    from roamstream.config import Settings

    return Settings, alt, mo, open_lake, push_health


@app.cell
def _(Settings, mo):
    lake_uri = mo.cli_args().get("lake") or Settings().lake.uri
    return (lake_uri,)


@app.cell
def _(lake_uri, mo, open_lake, push_health):
    con = open_lake(lake_uri)
    summary = push_health(con).df()
    mo.vstack([mo.md(f"# Push health\n\nThe lake at `{lake_uri}`: every push attempt to every partner."), summary])
    return con, summary


@app.cell
def _(con):
    hourly = con.sql(
        """
        select partner, module,
               date_trunc('hour', object_last_updated) as hour,
               count(*) as attempts,
               count(*) filter (where not ok) as failures,
               quantile_cont(latency_ms, 0.5) as latency_p50_ms,
               quantile_cont(latency_ms, 0.95) as latency_p95_ms,
               quantile_cont(latency_ms, 0.99) as latency_p99_ms
        from push_results
        group by all
        order by all
        """
    ).df()
    hourly
    return (hourly,)


@app.cell
def _(alt, hourly):
    latency_chart = (
        alt.Chart(hourly)
        .transform_fold(["latency_p50_ms", "latency_p95_ms", "latency_p99_ms"], as_=["percentile", "ms"])
        .mark_line(point=True)
        .encode(
            x=alt.X("hour:T", title="event hour (UTC)"),
            y=alt.Y("ms:Q", title="delivery latency (ms)"),
            color=alt.Color("partner:N"),
            strokeDash=alt.StrokeDash("percentile:N"),
            tooltip=["partner", "module", "hour", "percentile:N", "ms:Q"],
        )
        .properties(title="Delivery latency percentiles per partner", width=560)
    )
    latency_chart
    return (latency_chart,)


@app.cell
def _(alt, hourly):
    failures_chart = (
        alt.Chart(hourly)
        .mark_bar()
        .encode(
            x=alt.X("hour:T", title="event hour (UTC)"),
            y=alt.Y("sum(failures):Q", title="failed attempts"),
            color=alt.Color("partner:N"),
            tooltip=["partner", "module", "hour", "attempts", "failures"],
        )
        .properties(title="Failed push attempts per partner", width=560)
    )
    attempts_chart = (
        alt.Chart(hourly)
        .mark_line(point=True)
        .encode(
            x=alt.X("hour:T", title="event hour (UTC)"),
            y=alt.Y("sum(attempts):Q", title="attempts"),
            color=alt.Color("partner:N"),
            tooltip=["partner", "hour", "sum(attempts):Q"],
        )
        .properties(title="Push attempts per partner", width=560)
    )
    failures_chart & attempts_chart
    return attempts_chart, failures_chart


if __name__ == "__main__":
    app.run()
