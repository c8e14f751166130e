"""The decision a transaction's events carry (``decide.for_transaction``): pure."""

from roamstream.partners.tokens.decide import Decision, Status, for_transaction, from_copy, from_realtime

ALWAYS = {"uid": "A", "valid": True, "whitelist": "ALWAYS"}


def test_a_real_time_start_takes_the_reference_of_the_real_time_authorize_before_it():
    start = from_realtime({"allowed": "ALLOWED", "authorization_reference": "REF-START"})
    authorized = from_realtime({"allowed": "ALLOWED", "authorization_reference": "REF-AUTH"})
    carried = for_transaction(start, authorized)
    assert (carried.status, carried.auth_method, carried.authorization_reference) == (
        Status.ACCEPTED, "AUTH_REQUEST", "REF-AUTH")


def test_otherwise_the_start_keeps_its_own_answer():
    start = from_realtime({"allowed": "ALLOWED", "authorization_reference": "REF-START"})
    assert for_transaction(start, None) == start
    assert for_transaction(start, from_realtime({"allowed": "ALLOWED"})) == start  # no reference given then
    assert for_transaction(start, from_copy(ALWAYS, False)) == start  # the Authorize was answered from our copy
    whitelist = from_copy(ALWAYS, False)
    assert for_transaction(whitelist, from_realtime({"allowed": "ALLOWED", "authorization_reference": "R"})) == \
        Decision(Status.ACCEPTED, "WHITELIST", None, reason="whitelist ALWAYS")
