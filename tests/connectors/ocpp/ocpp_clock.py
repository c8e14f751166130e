"""The OCPP server's clock in these tests, shared by the conftest and the tests (a module of its own: ``from conftest
import ...`` takes whichever ``conftest`` was imported first, another directory's when several are collected)."""

from __future__ import annotations

from datetime import UTC, datetime

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
