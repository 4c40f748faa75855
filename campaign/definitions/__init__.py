"""Form definitions as data: the format the app validates (schema.py), a campaign's deliverables in it
(deliverables.py) and the built-in presets (presets.py). Below both forms and services, which read it."""
