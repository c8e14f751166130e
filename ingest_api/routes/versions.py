"""``GET /ocpi/versions`` and ``GET /ocpi/2.2.1``: our version information (version_information_endpoint).
Open to every token we know, token A of an invitation included."""

from __future__ import annotations

from fastapi import APIRouter

from ingest_api.deps import BaseUrl, CallerDep
from ingest_api.envelope import Envelope, success
from roamstream.ocpi.credentials import Version, VersionDetails
from roamstream.partners import versions as ours

router = APIRouter(tags=["versions"])


@router.get(ours.VERSIONS_PATH, response_model=Envelope[list[Version]], response_model_exclude_none=True)
async def get_versions(caller: CallerDep, base: BaseUrl) -> Envelope[list[Version]]:
    return success(ours.versions(base))


@router.get(ours.DETAILS_PATH, response_model=Envelope[VersionDetails], response_model_exclude_none=True)
async def get_version_details(caller: CallerDep, base: BaseUrl) -> Envelope[VersionDetails]:
    return success(ours.version_details(base))
