"""The background warm-up: it loads the right arrays, and answers stay the same."""

import numpy as np
import pytest

from search.params import SearchParams
from search.postings import read_postings
from search.service import SearchService
from search.warmup import Warmer, frequent_terms

QUERIES = ["huyện", "huyen uy mai son", '"bảo vệ nền tảng tư tưởng"', "Đảng", "UBND", "cà phê"]


@pytest.fixture()
def service(seeded_data):
    svc = SearchService(seeded_data)
    yield svc
    svc.close()


def answers(svc: SearchService) -> list:
    return [[(r["id"], round(r["score"], 4)) for r in svc.search(SearchParams(q=q, per_page=50))["results"]]
            for q in QUERIES]


def test_frequent_terms_are_ordered_by_document_frequency(service):
    with service.engine.snapshot() as snap:
        segreader = snap.leaves[0][0]
        terms = frequent_terms(segreader, "text", 20)
        freqs = [segreader.doc_frequency("text", t) for t in terms]
    assert len(terms) == 20
    assert freqs == sorted(freqs, reverse=True)
    assert "huyen" in terms  # the generated district news says "huyện" nearly everywhere
    assert frequent_terms(segreader, "no-such-field", 5) == []


def test_warm_up_fills_the_cache_with_positions_then_stops_at_its_budget(service):
    warmer = Warmer(service.engine, min_docs=1, duty=1.0)
    warmer.run_once()
    cache = service.engine.cache
    kinds = {key[1] for key in cache._items}
    fields = {key[2] for key in cache._items}
    assert kinds == {"x"} and {"text", "title"} <= fields
    assert warmer.terms_loaded == len(cache._items) > 20
    assert warmer.warmed  # every segment is remembered: a second run loads nothing
    before = warmer.terms_loaded
    warmer.run_once()
    assert warmer.terms_loaded == before

    small = Warmer(service.engine, min_docs=1, duty=1.0, share=0.0)
    small.run_once()
    assert small.terms_loaded == 0  # a full budget loads nothing


def test_small_segments_are_left_to_queries(service):
    warmer = Warmer(service.engine, min_docs=10**9)
    warmer.run_once()
    assert warmer.terms_loaded == 0 and not warmer.warmed


def test_answers_are_the_same_warm_or_cold(seeded_data):
    cold = SearchService(seeded_data)
    warm = SearchService(seeded_data)
    try:
        Warmer(warm.engine, min_docs=1, duty=1.0).run_once()
        assert answers(warm) == answers(cold)
    finally:
        cold.close()
        warm.close()


def test_postings_derived_from_positions_equal_decoded_postings(service):
    Warmer(service.engine, min_docs=1, duty=1.0).run_once()
    cache = service.engine.cache
    with service.engine.snapshot() as snap:
        segreader = snap.leaves[0][0]
        for term in frequent_terms(segreader, "text", 10):
            derived = cache.get(segreader, "p", "text", term)
            decoded = read_postings(segreader, "text", term)
            assert np.array_equal(derived.ids, decoded.ids), term
            assert np.array_equal(derived.tf, decoded.tf), term


def test_thread_starts_and_stops(service):
    warmer = Warmer(service.engine, min_docs=1).start()
    warmer.stop()
    assert not warmer._thread.is_alive()


@pytest.mark.parametrize("warm", [True, False])
def test_web_servers_warm_up_unless_told_not_to(seeded_data, warm):
    from khotin.settings import load_settings
    from webui.serving import make_server

    settings = load_settings(seeded_data.root, {"search_warm": warm, "worker": False}, environ={})
    server = make_server(settings)
    try:
        warmer = server.flask_app.extensions["khotin"]._warmer
        assert (warmer is not None) is warm
    finally:
        server.close()
        server.flask_app.extensions["khotin"].close()
    if warm:
        assert not warmer._thread.is_alive()


def test_a_newer_generation_interrupts_the_warm_up_without_marking_segments_warm(service):
    warmer = Warmer(service.engine, min_docs=1, duty=1.0)
    with service.engine.snapshot() as snap:
        segreaders = [s for s, _ in snap.leaves]
        stale = object()  # stands for a snapshot the engine has since replaced
        assert warmer._warm(stale, segreaders) is False
        assert warmer.terms_loaded == 0
        assert warmer._warm(snap, segreaders) is True and warmer.terms_loaded > 0
