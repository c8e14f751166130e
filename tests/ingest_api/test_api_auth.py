import base64

import pytest
from pydantic import SecretStr

from ingest_api.auth import is_authorized, presented_tokens

ACCEPTED = [SecretStr("example-token"), SecretStr("other")]


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    "header",
    [
        f"Token {b64('example-token')}",
        "Token ZXhhbXBsZS10b2tlbgo=",  # transport_and_format's example: Base64 of "example-token\n"
        "Token example-token",  # not encoded, as many 2.1.1/2.2 implementations send it
        "token other",
    ],
)
def test_accepted(header):
    assert is_authorized(header, ACCEPTED)


@pytest.mark.parametrize(
    "header",
    [None, "", "Token", "Token ", "Bearer example-token", f"Basic {b64('example-token')}", "Token unknown"],
)
def test_refused(header):
    assert not is_authorized(header, ACCEPTED)


def test_a_value_that_is_not_base64_is_only_taken_as_written():
    assert presented_tokens("Token not-base64!") == ["not-base64!"]
