"""One module per schema step, each with its own frozen tables; see ``leadboard.store.migrations``."""
