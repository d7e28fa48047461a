"""Docs that cannot drift: every setting and sites.toml key documented, README commands run by CI."""

from __future__ import annotations

import re
from pathlib import Path

from crawler.sites import _KNOWN as SITE_KEYS
from khotin.cli import build_parser
from khotin.settings import SETTINGS

ROOT = Path(__file__).resolve().parents[2]
CONFIG = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented_with_its_default():
    for setting in SETTINGS:
        row = next((line for line in CONFIG.splitlines() if line.startswith(f"| `{setting.name}` |")), None)
        assert row, f"setting {setting.name} is missing from docs/configuration.md"
        default = str(setting.default).lower() if isinstance(setting.default, bool) else str(setting.default)
        assert f"`{default}`" in row, f"docs/configuration.md shows a wrong default for {setting.name}"
        assert setting.env in row


def test_every_sites_key_is_documented():
    for key in SITE_KEYS:
        assert f"| `{key}` |" in CONFIG, f"sites.toml key {key} is missing from docs/configuration.md"


def test_readme_has_the_two_commands_and_ci_runs_the_test_one():
    blocks = re.findall(r"```sh\n(.*?)```", README, flags=re.S)
    assert "pip install . && khotin demo" in blocks[0]
    test_command = blocks[1].strip()
    assert test_command == "pip install '.[test]' && python -m pytest"
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command in ci.splitlines(), ".ci/run must run the README's test command exactly"


def test_every_command_is_documented():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    docs = README + "".join(p.read_text(encoding="utf-8") for p in (ROOT / "docs").glob("*.md"))
    for name in sub.choices:
        assert f"khotin {name}" in docs, f"`khotin {name}` is not in the README or docs/"
