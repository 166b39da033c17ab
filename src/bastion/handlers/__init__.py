"""Protocol adapters over the sans-IO core: the chain, WSGI, and error rendering."""
