"""CDR assembly: from a completed session and the reference data to a priced OCPI 2.2.1 CDR (pure)."""
