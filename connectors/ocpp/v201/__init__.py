"""OCPP 2.0.1: normaliser (pure) and the charge point handler (``ocpp.v201.ChargePoint``)."""
