"""Article extraction from Vietnamese district portal pages.

``extract(content, url, headers=..., profile=...)`` returns an
:class:`Extraction`: the article record (title, dates, authors, body...)
plus what the crawler needs (links, feeds, robots meta).  The layers and
their order are in :mod:`crawler.extract.core`; the Vietnamese rules in
:mod:`~crawler.extract.dates`, :mod:`~crawler.extract.bylines`,
:mod:`~crawler.extract.content` and :mod:`~crawler.extract.clean`.
"""

from crawler.extract.core import extract
from crawler.extract.record import Extraction

__all__ = ["Extraction", "extract"]
