"""Everything that faces partners (eMSPs): who they are (``directory``), how one OCPI request goes out
(``sender``, ``outcome``) and how every object reaches every partner in order (``delivery``)."""
