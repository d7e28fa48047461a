from datetime import timedelta

from crawler.frontier import Frontier, NewURL
from khotin import db


def make(tmp_path):
    conn = db.connect(tmp_path / "c.sqlite")
    return Frontier(conn)


def test_queue_order_and_finish(tmp_path):
    f = make(tmp_path)
    with db.transaction(f.conn):
        run = f.start_run("s")
        f.add("s", run, [NewURL("http://x/a", "page", 2), NewURL("http://x/feed", "feed", 0),
                         NewURL("http://x/list", "seed", 1), NewURL("http://x/a", "page", 2)])
    assert [e.url for e in f.next_batch("s")] == ["http://x/feed", "http://x/list", "http://x/a"]
    with db.transaction(f.conn):
        f.finish("s", "http://x/a", run, state="done", kind="article", status=200, ok=True,
                 etag='"1"', payload_digest="sha1:A", article_id="abc")
    a = f.get("s", "http://x/a")
    assert (a.state, a.kind, a.etag, a.fetch_count, a.article_id) == ("done", "article", '"1"', 1, "abc")
    # a 304 keeps the validators; a failure keeps them too
    with db.transaction(f.conn):
        f.finish("s", "http://x/a", run, state="done", status=304, ok=True, keep_validators=True)
        f.finish("s", "http://x/a", run, state="failed", status=None, error="timeout")
    a = f.get("s", "http://x/a")
    assert (a.etag, a.payload_digest, a.article_id, a.error) == ('"1"', "sha1:A", "abc", "timeout")


def test_new_run_reseeds_but_not_old_pagination(tmp_path):
    f = make(tmp_path)
    with db.transaction(f.conn):
        run1 = f.start_run("s")
        f.add("s", run1, [NewURL("http://x/", "seed", 1), NewURL("http://x/?page=2", "pagination", 1,
                                                                 pagination=True),
                          NewURL("http://x/a", "page", 2), NewURL("http://x/?page=3", "pagination", 1,
                                                                  pagination=True)])
        for url in ("http://x/", "http://x/?page=2", "http://x/a"):
            f.finish("s", url, run1, state="done", status=200, ok=True)
        f.finish("s", "http://x/?page=3", run1, state="failed", error="timeout")
        f.finish_run(run1)
    assert f.current_run("s") is None
    with db.transaction(f.conn):
        run2 = f.start_run("s")
    queued = {e.url for e in f.next_batch("s", 10)}
    assert queued == {"http://x/", "http://x/a", "http://x/?page=3"}  # page 2 waits for its listing
    assert f.known("s", ["http://x/?page=2"])["http://x/?page=2"][0] == run1
    with db.transaction(f.conn):
        assert f.requeue("s", run2, "http://x/?page=2")
        assert not f.requeue("s", run2, "http://x/?page=2")


def test_recrawl_every_skips_fresh_articles(tmp_path):
    f = make(tmp_path)
    with db.transaction(f.conn):
        run1 = f.start_run("s")
        f.add("s", run1, [NewURL("http://x/", "seed", 1), NewURL("http://x/a", "page", 2)])
        f.finish("s", "http://x/", run1, state="done", kind="listing", status=200, ok=True)
        f.finish("s", "http://x/a", run1, state="done", kind="article", status=200, ok=True)
        f.finish_run(run1)
        f.start_run("s", recrawl_every=timedelta(days=7))
    assert [e.url for e in f.next_batch("s")] == ["http://x/"]


def test_sessions_resume_only_while_recent(tmp_path):
    f = make(tmp_path)
    with db.transaction(f.conn):
        s1 = f.open_session(["b", "a"])
        assert f.open_session(["a", "b"]) == s1          # interrupted: resumed
        run = f.start_run("a", session=s1)
        f.finish_run(run)
        assert f.finished_in_session("a", s1) and not f.finished_in_session("b", s1)
        assert f.open_session(["a"]) != s1               # another set of sites
        f.conn.execute("UPDATE frontier_sessions SET started = '2000-01-01T00:00:00+07:00'")
        f.conn.execute("UPDATE frontier_runs SET started = '2000-01-01T00:00:00+07:00', "
                       "finished = '2000-01-01T00:00:00+07:00'")
        assert f.open_session(["a", "b"]) != s1          # days later: a new crawl
        s2 = f.open_session(["a", "b"])
        f.finish_session(s2)
        assert f.open_session(["a", "b"]) != s2          # finished: a new crawl
