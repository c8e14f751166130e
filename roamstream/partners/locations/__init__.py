"""Locations (with live EVSE status) and Tariffs as partners receive them (mod_locations, mod_tariffs)."""
