"""khotin (kho tin, "a news store"): a searchable archive of Vietnamese district news.

Data flows one way: crawler -> archive (WARC + catalog) -> index -> search -> webui.
This package holds the command line, settings and paths that wire the parts together.
"""

__version__ = "0.1.0"
