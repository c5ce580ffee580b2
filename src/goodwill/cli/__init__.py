"""The `goodwill` command: a thin layer over the library."""
