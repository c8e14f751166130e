"""Delivery of Sessions and CDRs to partners: one lane per partner, retried until delivered, in order per
session (``lanes``), over pending state kept by the caller (``state``: a changelogged table in the worker)."""
