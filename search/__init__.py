"""Search over the index: one entry point shared by the command line and the web UI."""
