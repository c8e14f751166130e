"""OCPI 2.2.1 Token (mod_tokens)."""

from __future__ import annotations

from enum import StrEnum

from roamstream.ocpi.common import (
    CiString36,
    CountryCode,
    DateTime,
    OcpiModel,
    PartyId,
    String2,
    String64,
    TokenType,
)


def uid_key(uid: str) -> bytes:
    """The key a Token is stored and looked up by: its uid in one letter case.

    ``Token.uid`` is a CiString (OCPI 2.2.1 §16.1.1: case-insensitive ASCII), so a station's idTag
    ``hoatag02`` is the token ``HOATAG02``. ``bytes.upper`` changes ASCII letters only.
    """
    return uid.encode().upper()


class WhitelistType(StrEnum):
    ALWAYS = "ALWAYS"
    ALLOWED = "ALLOWED"
    ALLOWED_OFFLINE = "ALLOWED_OFFLINE"
    NEVER = "NEVER"


class ProfileType(StrEnum):
    CHEAP = "CHEAP"
    FAST = "FAST"
    GREEN = "GREEN"
    REGULAR = "REGULAR"


class EnergyContract(OcpiModel):
    supplier_name: String64
    contract_id: String64 | None = None


class Token(OcpiModel):
    country_code: CountryCode
    party_id: PartyId
    uid: CiString36
    type: TokenType
    contract_id: CiString36
    visual_number: String64 | None = None
    issuer: String64
    group_id: CiString36 | None = None
    valid: bool
    whitelist: WhitelistType
    language: String2 | None = None
    default_profile_type: ProfileType | None = None
    energy_contract: EnergyContract | None = None
    last_updated: DateTime
