"""Security primitives shared across the framework: signing, CSRF tokens, safe redirect URLs."""
