"""OCPP 1.6J: normaliser (pure) and the charge point handler (``ocpp.v16.ChargePoint``)."""
