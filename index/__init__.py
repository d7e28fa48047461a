"""The Whoosh index with Vietnamese-aware analysis, derived from the catalog."""
