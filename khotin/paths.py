"""Where each part keeps its files inside the data directory.

One place names them so every process (crawler, worker, web server) agrees:

    DATA_DIR/
      catalog.sqlite   articles, captures, crawl state, jobs, users (SQLite, WAL)
      index/           the Whoosh index, derived from the catalog
      warc/            gzipped WARC files: the archive of record
      sites.toml       portals to crawl (unless --sites points elsewhere)
      khotin.toml      optional [settings] overrides
      secret_key       session signing key, generated on first run (0600)
      logs/            worker and job logs
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class DataDir:
    root: Path

    @classmethod
    def of(cls, root: str | os.PathLike[str]) -> DataDir:
        return cls(Path(root).expanduser().resolve())

    @property
    def catalog(self) -> Path:
        return self.root / "catalog.sqlite"

    @property
    def index(self) -> Path:
        return self.root / "index"

    @property
    def warc(self) -> Path:
        return self.root / "warc"

    @property
    def sites(self) -> Path:
        return self.root / "sites.toml"

    @property
    def config(self) -> Path:
        return self.root / "khotin.toml"

    @property
    def secret_key(self) -> Path:
        return self.root / "secret_key"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    def ensure(self) -> DataDir:
        for path in (self.root, self.warc, self.logs):
            path.mkdir(parents=True, exist_ok=True)
        return self
