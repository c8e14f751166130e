"""The OCPP connector: charge points over OCPP-J (1.6 and 2.0.1) to Avro events on Kafka.

Pure core (no sockets, no Kafka): ``model`` (the one internal event model), ``v16/normalise`` and
``v201/normalise`` (each version's messages to it), ``measurands``, ``timestamps``, ``frames``,
``validation``, ``keys``, ``handshake``. Edges: ``v16/handler`` and ``v201/handler`` (the ``ocpp``
package's ChargePoint with ``@on`` handlers), ``connection`` (routing shared by both), ``publisher`` and
``loop_producer`` (Kafka), ``server`` (the WebSocket endpoint). ``simulator`` drives an endpoint with the
``ocpp`` client.
"""
