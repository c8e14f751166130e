"""OCPI 2.2.1 data types as pydantic v2 models (validated on the way in and out).

One module per OCPI object family: ``common`` (shared types and enums), ``tariff``, ``cdr``, ``session``,
``location``, ``token``. ``numbers`` and ``jsonio`` are pydantic-free helpers for the OCPI number format.
"""
