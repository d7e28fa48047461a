"""Property-based tests: the analyzer and the query pipeline never break.

Random Unicode (with Vietnamese letters and combining marks over-weighted),
huge inputs and deep nesting.  Counts are set by KHOTIN_FUZZ_EXAMPLES
(default 10,000 per property, the figure docs/reliability.md reports).
"""

from __future__ import annotations

import os
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index.analysis import analyze
from khotin.text import canonical_tones, fold, nfc
from search import plan as P
from search import queryparse
from search.snippets import snippet
from search.suggest import suggest

EXAMPLES = int(os.environ.get("KHOTIN_FUZZ_EXAMPLES", "10000"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))

VIETNAMESE = "aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵĐÐ"
COMBINING = "\u0300\u0301\u0303\u0309\u0323\u0302\u0306\u031b"
SYNTAX = ' "():*-+/.,AND OR NOT title:author: site:'

text_strategy = st.text(
    alphabet=st.one_of(
        st.sampled_from(VIETNAMESE + VIETNAMESE.upper()),
        st.sampled_from(COMBINING),
        st.sampled_from(SYNTAX),
        st.characters(),
    ),
    max_size=300,
)


@FUZZ
@given(text_strategy)
def test_analyzer_offsets_always_slice_the_normalised_text(text):
    normalised = nfc(text)
    for term, exact, _pos, start, end in analyze(text, chars=True):
        assert 0 <= start < end <= len(normalised)
        assert exact == canonical_tones(normalised[start:end].lower()) or not exact.isalnum()
        assert term == fold(exact)


@FUZZ
@given(text_strategy)
def test_query_parse_and_plan_never_raise_unexpectedly(text):
    try:
        node = queryparse.parse(text)
    except queryparse.QueryError as exc:
        assert str(exc)
        return
    plan = P.build(node)
    assert plan is not None
    P.highlight_terms(plan)


@FUZZ
@given(text_strategy, st.sets(st.text(alphabet="abcdghnotuy", min_size=1, max_size=5), max_size=4))
def test_snippets_are_always_escaped(text, terms):
    html = snippet(text, terms)
    stripped = html.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in stripped and ">" not in stripped


@FUZZ
@given(text_strategy, st.lists(text_strategy, max_size=3))
def test_suggest_never_raises(query, texts):
    result = suggest(nfc(query), texts)
    assert result is None or isinstance(result, str)


def test_huge_and_nested_inputs_are_bounded():
    big = "Huyện uỷ " * 200_000
    assert len(analyze(big)) == 400_000
    with pytest.raises(queryparse.QueryError):
        queryparse.parse("(" * 5000 + "a" + ")" * 5000)
    with pytest.raises(queryparse.QueryError, match="nested"):
        queryparse.parse("(" * 400 + "a" + ")" * 400)
    assert P.build(queryparse.parse("(" * 20 + "a OR b" + ")" * 20))
    marks = "a" + "\u0301" * 10_000
    assert analyze(marks)
    assert unicodedata.is_normalized("NFC", nfc(marks))
