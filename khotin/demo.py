"""``khotin demo``: the whole archive working in one command, offline.

1. start the bundled fixture portals on loopback (eight platform styles,
   about 200 original Vietnamese articles; `khotin/fixtures/`);
2. on the first run, crawl them into the data directory with a progress bar
   (a second run reuses what is there);
3. create an admin account with a generated password, printed once;
4. start the worker and the web UI, and print the URL with example searches.

The portals listen on fixed ports chosen on the first run and remembered in
``DATA_DIR/demo.json``: article ids derive from URLs, so the same ports keep
a second run's URLs, and its archive, the same.
"""

from __future__ import annotations

import json
import secrets
import socket
import sys
from pathlib import Path
from urllib.parse import quote

from khotin.errors import UserError
from khotin.paths import DataDir
from khotin.progress import progress_bar
from khotin.settings import Settings

PORT_BASES = (18480, 28480, 38480, 48480)
DEMO_SETTINGS = """# Written by `khotin demo`: the demo portals listen on loopback.
[settings]
allow_private_addresses = true
loopback_delay_seconds = 0.0
"""

EXAMPLES = (
    ("không dấu (without diacritics)", {"q": "huyen uy mai son"}),
    ("viết tắt (abbreviation)", {"q": "BCĐ 35"}),
    ("lọc theo tác giả (author filter, either tone style)", {"author": "Thuý Ngà"}),
)


def _ports_free(base: int, count: int) -> bool:
    for port in range(base, base + count):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                return False
    return True


def _port_base(data: DataDir, count: int) -> int:
    """The remembered port base, or the first free one (remembered for next time)."""
    state_file = data.root / "demo.json"
    state = json.loads(state_file.read_text()) if state_file.is_file() else {}
    base = state.get("port_base")
    if base is not None:
        if not _ports_free(base, count):
            raise UserError(
                f"the demo portals need ports {base}-{base + count - 1} on 127.0.0.1 (used by this data "
                f"directory's earlier run), but one is busy: stop what uses it, or use another --data-dir"
            )
        return int(base)
    for base in PORT_BASES:
        if _ports_free(base, count):
            state_file.write_text(json.dumps({"port_base": base}) + "\n")
            return base
    raise UserError("no free range of ports for the demo portals on 127.0.0.1")


def prepare_data(data: DataDir) -> None:
    """Settings the demo needs (loopback portals), without overwriting a user's own."""
    if not data.config.exists():
        data.config.write_text(DEMO_SETTINGS, encoding="utf-8")


def write_sites(data: DataDir, sites_toml: str) -> None:
    if not data.sites.exists():
        data.sites.write_text("# Written by `khotin demo`: the bundled fixture portals.\n" + sites_toml,
                              encoding="utf-8")


def crawl_portals(data: DataDir, settings: Settings) -> None:
    """First run: crawl every demo portal, extracting and indexing as it goes."""
    from crawler.engine import crawl
    from crawler.sites import load_sites
    from index.sync import sync_index

    sites = load_sites(data.sites)
    with progress_bar("crawling the demo portals", unit="page", stream=sys.stdout) as bar:
        report = crawl(
            data, settings, sites,
            on_progress=lambda p: bar.update_to(p.report.fetched),
            on_index=lambda: sync_index(data, settings),
        )
    sync_index(data, settings)
    for line in report.summary_lines():
        print(f"  {line}", flush=True)
    print("  (the demo portals include broken links, a slow page and other hazards on purpose)", flush=True)


def ensure_admin(data: DataDir) -> str | None:
    """Create ``admin`` with a generated password if there is no user yet; returns it."""
    from khotin import accounts

    conn = accounts.connect(data.catalog)
    try:
        if accounts.list_users(conn):
            return None
        password = secrets.token_urlsafe(12)
        accounts.add_user(conn, "admin", password)
        return password
    finally:
        conn.close()


def example_urls(base: str) -> list[tuple[str, str]]:
    out = []
    for label, params in EXAMPLES:
        query = "&".join(f"{k}={quote(v)}" for k, v in params.items())
        out.append((label, f"{base}?{query}"))
    return out


def has_articles(data: DataDir) -> bool:
    from crawler.catalog import Catalog

    if not Path(data.catalog).exists():
        return False
    with Catalog(data.catalog) as catalog:
        return catalog.count() > 0


def run_demo(settings: Settings, host: str, port: int) -> int:
    """Everything, then serve until Ctrl-C."""
    from khotin.fixtures.server import DEFAULT_PORTALS, FixtureServer
    from webui.commands import serve

    data = DataDir.of(settings.data_path).ensure()
    prepare_data(data)  # khotin.toml for the worker process: loopback portals allowed
    settings = settings.replace(allow_private_addresses=True, loopback_delay_seconds=0.0)
    fixtures = FixtureServer(port_base=_port_base(data, len(DEFAULT_PORTALS)))
    try:
        fixtures.start()
    except OSError as exc:
        raise UserError(f"cannot start the demo portals: {exc}") from None
    try:
        print(f"khotin demo: {len(fixtures.portals)} fixture portals on "
              f"{', '.join(p.base_url for p in fixtures.portals.values())}", flush=True)
        write_sites(data, fixtures.sites_toml())
        if has_articles(data):
            print(f"khotin demo: reusing the archive in {data.root}", flush=True)
        else:
            crawl_portals(data, settings)
        password = ensure_admin(data)

        def ready(bound: int) -> None:
            base = f"http://{host}:{bound}/"
            lines = ["", f"  Kho tin is ready: {base}"]
            if password:
                lines.append(f"  Admin: {base}admin  user: admin  password: {password}  (shown once)")
            else:
                lines.append(f"  Admin: {base}admin  (existing accounts; `khotin admin add-user NAME`)")
            lines.append("  Try:")
            lines += [f"    {label}: {url}" for label, url in example_urls(base)]
            lines.append("  Ctrl-C stops the demo.\n")
            print("\n".join(lines), flush=True)

        worker_args = ["--data-dir", str(data.root)]
        return serve(settings, host, port, worker_args=worker_args, on_ready=ready)
    finally:
        fixtures.stop()
        print("khotin demo: stopped", flush=True)
