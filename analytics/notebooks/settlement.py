"""Settlement per partner and month: revenue excl./incl. VAT, energy, sessions, credits, against the
partners' statements. A marimo notebook: ``marimo edit analytics/notebooks/settlement.py -- --lake DIR``."""

import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="Settlement")


@app.cell
def _():
    import altair as alt
    import marimo as mo

    from analytics import open_lake, reconciliation, settlement
    from roamstream.config import Settings

    return Settings, alt, mo, open_lake, reconciliation, settlement


@app.cell
def _(Settings, mo):
    lake_uri = mo.cli_args().get("lake") or Settings().lake.uri
    return (lake_uri,)


@app.cell
def _(lake_uri, mo, open_lake):
    con = open_lake(lake_uri)
    mo.md(f"# Settlement\n\nThe lake at `{lake_uri}`: our CDRs per partner and month (credits netted), and what "
          "the partners' statements say.")
    return (con,)


@app.cell
def _(con, settlement):
    monthly = settlement(con, group_by="month").df()
    monthly
    return (monthly,)


@app.cell
def _(alt, monthly):
    revenue_chart = (
        alt.Chart(monthly.assign(total_excl_vat=monthly["total_excl_vat"].astype(float)))
        .mark_bar()
        .encode(
            x=alt.X("yearmonth(period_start):T", title="month"),
            y=alt.Y("total_excl_vat:Q", title="revenue excl. VAT"),
            color=alt.Color("partner:N"),
            xOffset="partner:N",
            tooltip=["partner", "currency", "period_start", "sessions", "credits", "energy_kwh", "total_excl_vat",
                     "total_incl_vat"],
        )
        .properties(title="Revenue excl. VAT per partner and month", width=560)
    )
    revenue_chart
    return (revenue_chart,)


@app.cell
def _(alt, monthly):
    energy_chart = (
        alt.Chart(monthly.assign(energy_kwh=monthly["energy_kwh"].astype(float)))
        .mark_bar()
        .encode(
            x=alt.X("partner:N"),
            y=alt.Y("energy_kwh:Q", title="energy (kWh)"),
            color=alt.Color("yearmonth(period_start):O", title="month"),
            tooltip=["partner", "period_start", "energy_kwh", "sessions"],
        )
        .properties(title="Energy per partner", width=560)
    )
    energy_chart
    return (energy_chart,)


@app.cell
def _(con):
    credits = con.sql(
        """
        select partner, cast(date_trunc('month', dt) as date) as month,
               count(*) filter (where is_credit) as credits,
               count(*) filter (where not is_credit) as cdrs
        from cdrs group by all order by all
        """
    ).df()
    credits
    return (credits,)


@app.cell
def _(con, mo, reconciliation):
    reconciled = reconciliation(con).df()
    mo.vstack([mo.md("## Against the partners' statements"), reconciled])
    return (reconciled,)


@app.cell
def _(alt, reconciled):
    statuses = reconciled.melt(
        id_vars="partner",
        value_vars=["matched", "amount_mismatches", "missing_in_statement", "missing_in_lake",
                    "listed_more_than_once"],
        var_name="status",
        value_name="cdrs",
    )
    reconciliation_chart = (
        alt.Chart(statuses)
        .mark_bar()
        .encode(
            x=alt.X("cdrs:Q", title="CDRs"),
            y=alt.Y("partner:N"),
            color=alt.Color("status:N"),
            tooltip=["partner", "status", "cdrs"],
        )
        .properties(title="Reconciliation status per partner", width=560)
    )
    reconciliation_chart
    return (reconciliation_chart,)


if __name__ == "__main__":
    app.run()
