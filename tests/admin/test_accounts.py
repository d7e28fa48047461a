"""Accounts and tokens, and the ``khotin admin`` commands that manage them."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest

from khotin import accounts, audit
from khotin.cli import main
from khotin.errors import UserError
from tests.admin.admin_helpers import REPO, env


def run(data, *args, stdin: str = "") -> tuple[int, str, str]:
    """``khotin --data-dir DATA admin …`` in this process."""
    import contextlib

    out, err = io.StringIO(), io.StringIO()
    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["--data-dir", str(data.root), *args])
    finally:
        sys.stdin = old
    return code, out.getvalue(), err.getvalue()


def test_add_user_from_stdin_stores_only_an_argon2id_hash(data):
    password = "Mật khẩu rất bí mật 2024"
    result = subprocess.run([sys.executable, "-m", "khotin", "--data-dir", str(data.root), "admin",
                             "add-user", "alice", "--password-stdin"], input=password + "\n", text=True,
                            capture_output=True, cwd=REPO, env=env(), timeout=60)
    assert result.returncode == 0, result.stderr
    assert "alice" in result.stdout and password not in result.stdout + result.stderr
    conn = accounts.connect(data.catalog)
    stored = conn.execute("SELECT password_hash FROM users WHERE name = 'alice'").fetchone()[0]
    assert stored.startswith("$argon2id$") and password not in stored
    assert accounts.authenticate(conn, "alice", password).name == "alice"
    assert accounts.authenticate(conn, "alice", password + "x") is None
    assert accounts.authenticate(conn, "nobody", password) is None
    conn.close()
    for path in data.root.glob("catalog.sqlite*"):
        assert password.encode("utf-8") not in path.read_bytes()


def test_add_user_prompts_twice_and_never_takes_an_argument(data, monkeypatch):
    answers = iter(["dài-đủ-tám-ký-tự", "dài-đủ-tám-ký-tự"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    assert main(["--data-dir", str(data.root), "admin", "add-user", "bob"]) == 0
    differ = iter(["dài-đủ-tám-ký-tự", "khác-hẳn-rồi"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(differ))
    assert main(["--data-dir", str(data.root), "admin", "add-user", "carol"]) == 2
    with pytest.raises(SystemExit):  # argparse: no password argument exists
        main(["--data-dir", str(data.root), "admin", "add-user", "dave", "secret-password"])


def test_add_user_errors_are_one_line(data):
    assert run(data, "admin", "add-user", "alice", "--password-stdin", stdin="ngắn\n")[0] == 2
    code, _, err = run(data, "admin", "add-user", "9lives", "--password-stdin", stdin="password123\n")
    assert code == 2 and err.startswith("khotin: bad user name")
    code, _, err = run(data, "admin", "add-user", "alice", stdin="")
    assert code == 2 and "--password-stdin" in err  # no terminal to ask
    assert run(data, "admin", "add-user", "alice", "--password-stdin", stdin="password123\n")[0] == 0
    code, _, err = run(data, "admin", "add-user", "alice", "--password-stdin", stdin="password123\n")
    assert code == 2 and "already exists" in err


def test_tokens_list_revoke_remove(data):
    run(data, "admin", "add-user", "alice", "--password-stdin", stdin="password123\n")
    code, token, err = run(data, "admin", "token", "alice")
    token = token.strip()
    assert code == 0 and token.startswith("kt_") and len(token) > 40 and "revoke-token 1" in err
    conn = accounts.connect(data.catalog)
    assert accounts.user_for_token(conn, token).name == "alice"
    assert token not in str(conn.execute("SELECT * FROM api_tokens").fetchall()[0][:])
    code, listing, _ = run(data, "admin", "list-users")
    assert code == 0 and listing.startswith("alice\t") and "1 token(s)" in listing
    assert run(data, "admin", "revoke-token", "1")[0] == 0
    assert accounts.user_for_token(conn, token) is None
    assert run(data, "admin", "revoke-token", "77")[0] == 2
    assert run(data, "admin", "revoke-token", "nobody")[0] == 2
    assert run(data, "admin", "token", "nobody")[0] == 2
    assert run(data, "admin", "remove-user", "alice")[0] == 0
    assert run(data, "admin", "remove-user", "alice")[0] == 2
    assert accounts.list_users(conn) == []
    actions = [e.action for e in reversed(audit.recent(conn))]
    conn.close()
    assert actions == ["user.add", "token.create", "token.revoke", "user.remove"]


def test_rate_limit_counts_failures_per_key(data):
    conn = accounts.connect(data.catalog)
    keys = ["ip:127.0.0.1", "user:alice"]
    for _ in range(2):
        assert accounts.failures_retry_after(conn, keys, 3) is None
        accounts.record_failure(conn, keys)
    accounts.record_failure(conn, ["user:alice"])
    wait = accounts.failures_retry_after(conn, keys, 3)
    assert wait is not None and 55 <= wait <= 60
    assert accounts.failures_retry_after(conn, ["ip:127.0.0.1"], 3) is None
    assert accounts.failures_retry_after(conn, ["ip:10.0.0.1"], 0) == 60
    conn.close()


def test_weak_passwords_and_bad_names_are_refused(data):
    conn = accounts.connect(data.catalog)
    with pytest.raises(UserError):
        accounts.add_user(conn, "alice", "short")
    with pytest.raises(UserError):
        accounts.add_user(conn, "a b", "long enough")
    conn.close()
