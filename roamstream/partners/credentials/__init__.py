"""The OCPI credentials handshake, both directions: ``client`` calls a partner's versions and credentials
endpoints; ``handshake`` runs registration, update and unregistration on either side and keeps the registry."""
