"""Everything that faces roaming partners (DESIGN.md, "Where the partner side lives"): the registry of
partners (``registry``), the OCPI credentials handshake (``credentials``), the versions endpoints
(``versions``) and the queries behind the pull (GET) interfaces (``pull``)."""
