"""OCPI Sender: pushes Sessions and CDRs to partner eMSPs over HTTPS."""
