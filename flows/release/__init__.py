"""Releases under ``published/``: the datasets' files, their data package, the switch of
``latest``, retention and rollback. ``flows.publish`` puts the pieces together."""
