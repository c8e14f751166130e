"""The registry in memory: records by key and by token hash, as the topic reader and the writer feed it."""

from datetime import UTC, datetime, timedelta

from roamstream.avro import AvroSerde
from roamstream.partners.access import CallerKind, identify
from roamstream.partners.registry import PartnerRecord, PartnerState, PartyRole, Registry
from roamstream.partners.registry.secrets import token_hash

T0 = datetime(2026, 12, 1, tzinfo=UTC)


def record(key, state, accepted, at=T0, cc="NL", pid="EMA", **kw):
    return PartnerRecord(key=key, state=state, country_code=cc, party_id=pid,
                         accepted_token_sha256=token_hash(accepted),
                         updated_at=at, **kw)


def test_a_pending_record_read_back_late_does_not_take_the_registered_partners_token():
    registry = Registry()
    pending = record("pending-1", PartnerState.PENDING, "b", cc="", pid="")
    registry.apply(pending)
    registry.apply(record("NL-EMA", PartnerState.REGISTERED, "b", at=T0 + timedelta(seconds=1)))
    registry.remove("pending-1")
    registry.apply(pending)  # the reader sees the pending record after the writer removed it ...
    assert registry.by_token("b").key == "NL-EMA"
    registry.apply_raw("pending-1", None)  # ... and then its tombstone
    assert registry.by_token("b").key == "NL-EMA"


def test_an_older_record_does_not_replace_a_newer_one_and_unregistered_tokens_are_refused():
    registry = Registry()
    registry.apply(record("NL-EMA", PartnerState.REGISTERED, "c2", at=T0 + timedelta(seconds=5)))
    registry.apply(record("NL-EMA", PartnerState.REGISTERED, "c1", at=T0))
    assert registry.by_token("c1") is None and registry.by_token("c2").key == "NL-EMA"
    registry.apply(record("NL-EMA", PartnerState.UNREGISTERED, "c2", at=T0 + timedelta(seconds=9)))
    assert registry.by_token("c2") is None


def test_records_survive_the_avro_round_trip():
    serde = AvroSerde()
    r = record("NL-EMA", PartnerState.REGISTERED, "c", token="b", roles=(PartyRole(role="EMSP", country_code="NL",
                                                                                 party_id="EMA", name="x"),))
    registry = Registry(serde)
    registry.apply_raw("NL-EMA", serde.encode("ocpi.partners.v1", r.to_avro()))
    assert registry.get("NL-EMA") == r


def test_every_token_identifies_one_party_or_the_back_office():
    from pydantic import SecretStr

    registry = Registry()
    registry.apply(record("NL-EMA", PartnerState.REGISTERED, "c",
                          roles=(PartyRole(role="EMSP", country_code="NL", party_id="EMA"),
                                 PartyRole(role="EMSP", country_code="BE", party_id="EMB"))))
    registry.apply(record("DE-EMX", PartnerState.INVITED, "a", cc="DE", pid="EMX"))
    office = [SecretStr("office")]
    assert identify(["office"], office, registry).is_back_office
    partner = identify(["nope", "c"], office, registry)
    assert partner.kind == CallerKind.PARTNER and partner.functional
    assert partner.speaks_for("nl", "ema") and partner.speaks_for("BE", "EMB") and not partner.speaks_for("DE", "EMX")
    assert partner.owns("BE-EMB") and not partner.owns("DE-EMX") and not partner.owns(None)
    invited = identify(["a"], office, registry)
    assert invited.kind == CallerKind.INVITED and not invited.functional
    assert identify(["x"], office, registry) is None


def test_the_directory_gives_the_lanes_registered_partners_over_the_static_seed_and_follows_changes():
    from pydantic import SecretStr

    from roamstream.config import Partner
    from roamstream.partners.registry import Endpoint
    from roamstream.partners.registry.directory import PartnerDirectory

    registry = Registry()
    endpoints = (Endpoint(identifier="cdrs", role="RECEIVER", url="https://ema/cdrs"),
                 Endpoint(identifier="sessions", role="RECEIVER", url="https://ema/sessions"),
                 Endpoint(identifier="tokens", role="SENDER", url="https://ema/tokens"))
    registry.apply(record("NL-EMA", PartnerState.REGISTERED, "c", token="their-c", endpoints=endpoints))
    registry.apply(record("DE-PUL", PartnerState.REGISTERED, "p", cc="DE", pid="PUL", token="t",
                          endpoints=(Endpoint(identifier="cdrs", role="SENDER", url="https://pul/cdrs"),)))
    registry.apply(record("BE-INV", PartnerState.INVITED, "a", cc="BE", pid="INV"))
    static = [Partner(country_code="NL", party_id="EMA", cdrs_url="https://old/cdrs", token=SecretStr("old")),
              Partner(country_code="FR", party_id="STA", cdrs_url="https://sta/cdrs", token=SecretStr("s"))]
    directory = PartnerDirectory(registry, static)
    # DE-PUL pulls only: no CDRs Receiver; BE-INV is not registered
    assert [e.key for e in directory.all()] == ["FR-STA", "NL-EMA"]
    assert directory.get("DE-PUL") is None and directory.get("BE-INV") is None
    ema = directory.get("NL-EMA")
    assert (ema.url("cdrs"), ema.url("sessions"), ema.url("tokens"), ema.token) == (
        "https://ema/cdrs", "https://ema/sessions", None, "their-c")
    links = {link.key: link for link in directory.links()}
    assert links["NL-EMA"].url("tokens", "SENDER") == "https://ema/tokens"
    assert links["DE-PUL"].as_endpoint() is None
    moved = (Endpoint(identifier="cdrs", role="RECEIVER", url="https://ema2/cdrs"),)
    registry.apply(record("NL-EMA", PartnerState.REGISTERED, "c", token="their-c2", endpoints=moved,
                          at=T0 + timedelta(seconds=1)))
    ema = directory.get("NL-EMA")  # a new handshake: new endpoints and token at the next lookup
    assert (ema.url("cdrs"), ema.url("sessions"), ema.token) == ("https://ema2/cdrs", None, "their-c2")
    registry.apply(record("NL-EMA", PartnerState.UNREGISTERED, "c", at=T0 + timedelta(seconds=2)))
    assert directory.get("NL-EMA") is None  # unregistered: not sent to, whatever the static seed says
    assert [e.key for e in directory.all()] == ["FR-STA"]
