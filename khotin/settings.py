"""Every application setting, declared once with its default and help text.

Modelled on Datasette's settings list and Scrapy's ``default_settings``: one
table is the single source of truth; ``docs/configuration.md`` documents each
entry (a test checks that), and values are resolved with a fixed precedence:

    default  <  DATA_DIR/khotin.toml [settings]  <  environment KHOTIN_*  <  command line

Per-site options (start URLs, delays, selectors) live in ``sites.toml``
instead; see :mod:`crawler.sites`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

try:  # Python 3.11+
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str

    @property
    def env(self) -> str:
        return "KHOTIN_" + self.name.upper()


SETTINGS: tuple[Setting, ...] = (
    Setting("data_dir", "./khotin-data", "Directory holding the catalog, index, WARC archive, sites.toml and secrets."),
    # crawling
    Setting("user_agent", "khotin/0.1 (Vietnamese district news archive; +{contact})",
            "User-Agent sent by the crawler; {contact} is replaced by the contact setting."),
    Setting("contact", "https://github.com/khotin/khotin", "Contact address (URL or e-mail) placed in the User-Agent."),
    Setting("delay_seconds", 1.0, "Minimum delay between requests to one non-loopback host, in seconds (Crawl-delay may raise it)."),
    Setting("loopback_delay_seconds", 0.0, "Delay between requests to loopback hosts (test and demo portals)."),
    Setting("concurrent_hosts", 4, "How many hosts are crawled at the same time (one connection per host)."),
    Setting("timeout_seconds", 20.0, "Connect and read timeout for one request."),
    Setting("max_retries", 3, "Retries for timeouts, connection errors, 5xx, 429 and 503 responses."),
    Setting("max_response_bytes", 10_000_000, "Responses larger than this are cut off and recorded as too large."),
    Setting("max_pages", 10_000, "Default page budget for one site per crawl (a site's max_pages overrides it)."),
    Setting("max_retry_after_seconds", 300.0, "Longest Retry-After the crawler will wait for; longer waits defer the URL."),
    Setting("warc_max_bytes", 256_000_000, "Rotate to a new WARC file after this many compressed bytes."),
    Setting("allow_private_addresses", False,
            "Allow crawling loopback, link-local and private addresses (tests and the demo turn this on)."),
    Setting("obey_robots", True, "Obey robots.txt (Disallow, Crawl-delay) for every host."),
    # indexing
    Setting("index_commit_every", 500, "Commit the search index after this many changed articles during a crawl or import."),
    Setting("index_procs", 1, "Writer processes used by a full reindex (Whoosh procs)."),
    # search and web
    Setting("search_cache_mb", 256, "Memory budget for cached posting lists in each searching process."),
    Setting("search_memo", 32, "Evaluated queries kept per index generation in each searching process "
            "(paging, sorting and facet clicks reuse them; about 0.5 MB each at 100,000 articles; 0 turns it off)."),
    Setting("search_warm", True, "Whether each web server process loads document columns and the most frequent "
            "terms' postings in the background at start and after merges, so first queries are not slow."),
    Setting("refresh_seconds", 1.0, "How often a searching process checks for a new index generation."),
    Setting("per_page", 20, "Results per page in the web UI and API (the API accepts per_page up to 100)."),
    Setting("export_limit", 200_000, "Most rows one export may stream."),
    Setting("export_per_minute", 10, "Exports one client may start per minute."),
    Setting("login_attempts_per_minute", 5, "Failed sign-ins allowed per minute per client address and user name."),
    Setting("secure_cookies", "auto", "Mark the session cookie Secure: 'auto' (when the request came over HTTPS), 'true' or 'false'."),
    Setting("worker", True, "Whether `khotin serve` starts the background worker process."),
    Setting("threads", 8, "Worker threads of the waitress server."),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def _coerce(setting: Setting, value: Any) -> Any:
    """Convert a string (environment, command line) to the type of the default."""
    default = setting.default
    if not isinstance(value, str) or isinstance(default, str):
        if isinstance(default, bool) and not isinstance(value, bool):
            raise ValueError(f"setting {setting.name} must be true or false, not {value!r}")
        if isinstance(default, (int, float)) and not isinstance(default, bool):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"setting {setting.name} must be a number, not {value!r}")
            return type(default)(value)
        return value
    if isinstance(default, bool):
        low = value.strip().lower()
        if low in ("1", "true", "yes", "on"):
            return True
        if low in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"setting {setting.name} must be true or false, not {value!r}")
    try:
        return type(default)(value)
    except ValueError:
        raise ValueError(f"setting {setting.name} must be a {type(default).__name__}, not {value!r}") from None


class Settings(Mapping[str, Any]):
    """Resolved settings: read-only mapping plus attribute access."""

    def __init__(self, values: Mapping[str, Any]):
        self._values = dict(values)

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __iter__(self):
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __getattr__(self, key: str) -> Any:
        try:
            return self._values[key]
        except KeyError:
            raise AttributeError(key) from None

    def replace(self, **changes: Any) -> Settings:
        values = dict(self._values)
        for key, value in changes.items():
            if key not in _BY_NAME:
                raise KeyError(f"unknown setting {key!r}")
            values[key] = _coerce(_BY_NAME[key], value)
        return Settings(values)

    @property
    def data_path(self) -> Path:
        return Path(self._values["data_dir"]).expanduser()

    @property
    def user_agent_string(self) -> str:
        return self._values["user_agent"].replace("{contact}", self._values["contact"])


def load_settings(
    data_dir: str | os.PathLike[str] | None = None,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Resolve every setting: default < khotin.toml < KHOTIN_* < overrides.

    ``data_dir`` (the ``--data-dir`` option) counts as an override.
    """
    env = os.environ if environ is None else environ
    values = {s.name: s.default for s in SETTINGS}
    chosen_dir = data_dir or env.get("KHOTIN_DATA") or env.get("KHOTIN_DATA_DIR") or values["data_dir"]
    config = Path(chosen_dir).expanduser() / "khotin.toml"
    if config.is_file():
        try:
            with config.open("rb") as fh:
                table = tomllib.load(fh).get("settings", {})
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"{config}: {exc}") from None
        for key, value in table.items():
            if key not in _BY_NAME:
                raise ValueError(f"{config}: unknown setting {key!r}")
            values[key] = _coerce(_BY_NAME[key], value)
    for setting in SETTINGS:
        if setting.env in env:
            values[setting.name] = _coerce(setting, env[setting.env])
    for key, value in (overrides or {}).items():
        if value is None:
            continue
        if key not in _BY_NAME:
            raise KeyError(f"unknown setting {key!r}")
        values[key] = _coerce(_BY_NAME[key], value)
    values["data_dir"] = str(chosen_dir)
    return Settings(values)
