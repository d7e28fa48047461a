"""Creating the index when several processes find none at the same moment."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from index import store


def _open_and_add(path: str, start, results, number: int) -> None:
    start.wait()
    try:
        ix = store.open_index(Path(path))
        with store.writer(ix, timeout=30) as w:
            w.add_document(id=f"doc-{number}", title=f"bài {number}", text="huyện ủy")
        ix.close()
        results.put(("ok", number))
    except Exception as exc:  # the test reports it
        results.put(("error", f"{type(exc).__name__}: {exc}"))


def test_concurrent_first_opens_create_one_index_and_lose_nothing(tmp_path):
    path = tmp_path / "index"
    ctx = multiprocessing.get_context("spawn")  # fresh interpreters: no locks inherited from test threads
    start, results = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_open_and_add, args=(str(path), start, results, i)) for i in range(6)]
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join(60)
    exits = [p.exitcode for p in procs]
    outcomes = [results.get(timeout=5) for _ in procs]
    assert exits == [0] * 6 and all(kind == "ok" for kind, _ in outcomes), (exits, outcomes)
    ix = store.open_index(path)
    with ix.searcher() as searcher:
        assert searcher.doc_count() == 6  # no creator wiped another's committed segment
    ix.close()
    assert store.index_version(path) is not None


def test_create_keeps_an_index_another_process_made(tmp_path):
    path = tmp_path / "index"
    ix = store.open_index(path)
    with store.writer(ix) as w:
        w.add_document(id="kept", title="giữ lại", text="nội dung")
    ix.close()
    again = store.create(path)  # a process that had seen no index a moment ago
    with again.searcher() as searcher:
        assert searcher.doc_count() == 1
    again.close()
