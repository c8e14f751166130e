"""Our version information (version_information_endpoint.asciidoc): the versions we speak and the modules of
2.2.1 with our role in each. Pure: URLs are built from the base URL partners reach us at."""

from __future__ import annotations

from roamstream.ocpi.credentials import Endpoint, InterfaceRole, Version, VersionDetails
from roamstream.partners.exceptions import UnsupportedVersion

VERSION = "2.2.1"
VERSIONS_PATH = "/ocpi/versions"
DETAILS_PATH = f"/ocpi/{VERSION}"

#: (module identifier, our role): the CPO side of each module we implement
MODULES: tuple[tuple[str, InterfaceRole], ...] = (
    ("credentials", InterfaceRole.SENDER),
    ("credentials", InterfaceRole.RECEIVER),
    ("locations", InterfaceRole.SENDER),
    ("sessions", InterfaceRole.SENDER),
    ("cdrs", InterfaceRole.SENDER),
    ("tariffs", InterfaceRole.SENDER),
    ("tokens", InterfaceRole.RECEIVER),
)


def versions_url(base_url: str) -> str:
    return base_url.rstrip("/") + VERSIONS_PATH


def versions(base_url: str) -> list[Version]:
    return [Version(version=VERSION, url=base_url.rstrip("/") + DETAILS_PATH)]


def version_details(base_url: str) -> VersionDetails:
    root = base_url.rstrip("/") + DETAILS_PATH
    return VersionDetails(
        version=VERSION,
        endpoints=[Endpoint(identifier=module, role=role, url=f"{root}/{module}") for module, role in MODULES],
    )


def pick_version(offered: list[Version]) -> Version:
    """The 2.2.1 entry of a partner's versions list, or UnsupportedVersion (3002)."""
    for v in offered:
        if v.version == VERSION:
            return v
    found = ", ".join(v.version for v in offered) or "none"
    raise UnsupportedVersion(f"the partner offers OCPI {found}; we speak {VERSION}")
