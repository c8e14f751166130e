"""Partner statements from files (``roamstream statements load``): JSON as ``POST /statements`` takes it,
or CSV with one row per line. Validated by the API's own models, so a file and a request fail alike. Pure.

JSON: one statement (the body of ``POST /statements``) or a list of them; numbers read as exact decimals.

CSV (UTF-8, a header row, comma-separated): ``partner, statement_id, period_start, period_end, cdr_id,
currency, total_cost_excl_vat, total_cost_incl_vat, total_energy``; one row per CDR billed; rows with the
same ``partner`` and ``statement_id`` form one statement (their periods must agree); an empty
``total_cost_incl_vat`` means none. Problems name the row (the header is row 1) and the field.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from ingest_api.exceptions import InvalidRequest, Problem
from ingest_api.models.statements import StatementIn
from ingest_api.validation import parse, validate

HEADER = (
    "partner",
    "statement_id",
    "period_start",
    "period_end",
    "cdr_id",
    "currency",
    "total_cost_excl_vat",
    "total_cost_incl_vat",
    "total_energy",
)
_STATEMENT_FIELDS = HEADER[:4]
_LINE_FIELDS = HEADER[4:]


def read_statements(path: Path) -> list[StatementIn]:
    """The statements in ``path`` (``.json`` or ``.csv``), or :class:`InvalidRequest` naming every problem."""
    raw = path.read_bytes()
    if path.suffix.lower() == ".json":
        return statements_from_json(raw)
    if path.suffix.lower() == ".csv":
        return statements_from_csv(raw)
    raise InvalidRequest([Problem("file", f"{path.name}: expected a .json or .csv file")])


def statements_from_json(raw: bytes) -> list[StatementIn]:
    if raw.lstrip().startswith(b"["):
        return parse(list[StatementIn], raw)
    return [parse(StatementIn, raw)]


def statements_from_csv(raw: bytes) -> list[StatementIn]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidRequest([Problem("file", "not UTF-8 text")]) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = tuple(reader.fieldnames or ())
    missing = [c for c in HEADER if c not in columns]
    unknown = [c for c in columns if c not in HEADER]
    if missing or unknown:
        problems = [Problem("header", f"missing column {c}") for c in missing]
        problems += [Problem("header", f"unknown column {c}") for c in unknown]
        raise InvalidRequest(problems)
    groups: dict[tuple[str, str], list[tuple[int, dict[str, str]]]] = {}
    for number, row in enumerate(reader, start=2):
        if None in row:
            raise InvalidRequest([Problem(f"row {number}", "more cells than the header has columns")])
        groups.setdefault((row["partner"], row["statement_id"]), []).append((number, row))
    if not groups:
        raise InvalidRequest([Problem("file", "no rows below the header")])
    statements, problems = [], []
    for rows in groups.values():
        try:
            statements.append(_statement(rows))
        except InvalidRequest as exc:
            problems += exc.problems
    if problems:
        raise InvalidRequest(problems)
    return statements


def _statement(rows: list[tuple[int, dict[str, str]]]) -> StatementIn:
    first_number, first = rows[0]
    problems = [
        Problem(f"row {number}.{name}", f"{row[name]!r} differs from row {first_number}'s {first[name]!r}")
        for number, row in rows[1:]
        for name in ("period_start", "period_end")
        if row[name] != first[name]
    ]
    if problems:
        raise InvalidRequest(problems)
    body: dict[str, Any] = {name: first[name] for name in _STATEMENT_FIELDS}
    body["lines"] = [_line(row) for _, row in rows]
    try:
        return validate(StatementIn, body)
    except InvalidRequest as exc:
        raise InvalidRequest([_at_row(problem, rows) for problem in exc.problems]) from None


def _line(row: dict[str, str]) -> dict[str, Any]:
    line: dict[str, Any] = {name: row[name] for name in _LINE_FIELDS}
    if not line["total_cost_incl_vat"]:
        line["total_cost_incl_vat"] = None
    return line


def _at_row(problem: Problem, rows: list[tuple[int, dict[str, str]]]) -> Problem:
    """``lines[3].currency`` → ``row 5.currency``; a statement field → the statement's first row."""
    where = problem.field
    if where.startswith("lines[") and "]" in where:
        index, _, rest = where.removeprefix("lines[").partition("]")
        return Problem(f"row {rows[int(index)][0]}{rest}", problem.message)
    return Problem(f"row {rows[0][0]}.{where}", problem.message)
