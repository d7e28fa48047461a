"""Everything that brings content into the archive: fetching, WARC, extraction, the catalog."""
