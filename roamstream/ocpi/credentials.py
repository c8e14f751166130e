"""OCPI 2.2.1 Credentials (credentials.asciidoc) and the version information objects
(version_information_endpoint.asciidoc)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from roamstream.ocpi.common import CiString2, CiString3, OcpiModel, String64, String100, String255, Url


class Role(StrEnum):
    CPO = "CPO"
    EMSP = "EMSP"
    HUB = "HUB"
    NAP = "NAP"
    NSP = "NSP"
    OTHER = "OTHER"
    SCSP = "SCSP"


class InterfaceRole(StrEnum):
    SENDER = "SENDER"
    RECEIVER = "RECEIVER"


class Image(OcpiModel):
    url: Url
    thumbnail: Url | None = None
    category: str
    type: str = Field(max_length=4)
    width: int | None = None
    height: int | None = None


class BusinessDetails(OcpiModel):
    name: String100
    website: Url | None = None
    logo: Image | None = None


class CredentialsRole(OcpiModel):
    role: Role
    business_details: BusinessDetails
    party_id: CiString3 = Field(min_length=3)
    country_code: CiString2 = Field(min_length=2)


class Credentials(OcpiModel):
    token: String64 = Field(min_length=1)
    url: Url
    roles: list[CredentialsRole] = Field(min_length=1)


class Version(OcpiModel):
    version: str
    url: Url


class Endpoint(OcpiModel):
    identifier: String255
    role: InterfaceRole
    url: Url


class VersionDetails(OcpiModel):
    version: str
    endpoints: list[Endpoint]
