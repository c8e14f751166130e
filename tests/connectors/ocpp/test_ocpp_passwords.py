"""The endpoint's password hashes: settings plus the operators' file, read again only when it changes."""

from __future__ import annotations

import json
import os

import pytest

from connectors.ocpp.handshake import verify_password
from connectors.ocpp.passwords import PasswordFileError, PasswordStore, read_file, store_password


def test_without_a_file_the_configured_hashes_are_used(tmp_path):
    assert PasswordStore({"CP-1": "h1"}, None).current() == {"CP-1": "h1"}
    assert PasswordStore({"CP-1": "h1"}, tmp_path / "not-yet.json").current() == {"CP-1": "h1"}


def test_the_file_is_read_again_when_it_changes_and_wins_over_settings(tmp_path):
    path = tmp_path / "pw.json"
    store = PasswordStore({"CP-1": "configured", "CP-2": "configured"}, path)
    store_password(path, "CP-1", "secret-1")
    first = store.current()
    assert first["CP-2"] == "configured" and verify_password("secret-1", first["CP-1"])
    assert store.current() is first  # unchanged file: not read again
    store_password(path, "CP-2", "secret-2")
    assert verify_password("secret-2", store.current()["CP-2"])
    assert verify_password("secret-1", store.current()["CP-1"])


def test_a_broken_file_keeps_the_last_good_hashes(tmp_path):
    path = tmp_path / "pw.json"
    store_password(path, "CP-1", "secret-1")
    store = PasswordStore({}, path)
    good = dict(store.current())
    path.write_text("{not json")
    os.utime(path, ns=(1, 1))
    assert store.current() == good
    with pytest.raises(PasswordFileError, match="pw.json"):
        read_file(path)


@pytest.mark.parametrize("content", [[1, 2], {"CP-1": 5}])
def test_a_file_of_another_shape_is_refused(tmp_path, content):
    path = tmp_path / "pw.json"
    path.write_text(json.dumps(content))
    with pytest.raises(PasswordFileError, match="identity -> hash"):
        read_file(path)
