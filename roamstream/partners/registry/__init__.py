"""The partner registry: who our partners are, the token each calls us with (hashed), the token we call
each with, and every endpoint each published. Kept in the compacted topic ``ocpi.partners.v1``."""

from roamstream.partners.registry.model import Endpoint, PartnerRecord, PartnerState, PartyRole
from roamstream.partners.registry.store import Registry

__all__ = ["Endpoint", "PartnerRecord", "PartnerState", "PartyRole", "Registry"]
