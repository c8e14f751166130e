"""Everything that faces roaming partners (DESIGN.md, "Where the partner side lives"): the registry of
partners (``registry``), the OCPI credentials handshake (``credentials``), the versions endpoints
(``versions``), the queries behind the pull (GET) interfaces (``pull``), who we deliver to (``directory``:
the registry's partners and the static seed), how one OCPI request goes out (``sender``, ``outcome``) and how
every object reaches every partner in order (``delivery``)."""
