"""The demo: the whole stack on the embedded broker, a demo eMSP, simulated charge points."""
