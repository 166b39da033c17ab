"""Security primitives shared across the framework (safe URLs; signing arrives later)."""
