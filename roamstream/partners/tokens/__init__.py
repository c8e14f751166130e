"""Tokens at the charger: the decision for an OCPP idTag from our copy of the eMSP's Token (``decide``) and,
when the Token asks for it, the eMSP's real-time authorisation (``authorizer``)."""
