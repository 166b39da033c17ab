"""Bastion (re-exports restored at integration)."""
