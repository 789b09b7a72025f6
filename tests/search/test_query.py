"""The query language parser (SRCH-1..8): structure out, or a typed, translated error; never anything else."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parlons.core.errors import Invalid
from parlons.search.query import KNOWN_FIELDS, Term, parse_query


def test_the_example_of_the_issue_parses_req_srch5():
    q = parse_query(
        '"permis d\'études" tag:visa -tag:spam channel:facebook group:"IRCC FR" status:open '
        "created:2026-01-01..2026-03-31 from:@jdoe closed_by:alice replied_by:bob lob:immigration perm* -refus"
    )
    assert q.terms == [Term("permis d'études", phrase=True), Term("perm", prefix=True)]
    assert q.excluded_terms == [Term("refus")]
    assert q.include == {
        "tag": ["visa"],
        "channel": ["facebook"],
        "group": ["IRCC FR"],
        "status": ["open"],
        "from": ["@jdoe"],
        "closed_by": ["alice"],
        "replied_by": ["bob"],
        "lob": ["immigration"],
    }
    assert q.exclude == {"tag": ["spam"]}
    span = q.dates["created"]
    assert (span.start.date().isoformat(), span.end.date().isoformat()) == ("2026-01-01", "2026-04-01")


def test_open_ranges_and_single_days_req_srch1():
    q = parse_query("updated:..2026-03-31 resolved:2026-02-01 created:2026-01-01..")
    assert q.dates["updated"].start is None and q.dates["updated"].end.date().isoformat() == "2026-04-01"
    assert q.dates["resolved"].end.date().isoformat() == "2026-02-02"
    assert q.dates["created"].end is None


@pytest.mark.parametrize(
    ("text", "position"),
    [
        ('"permis d', 1),
        ("nope:1", 1),
        ("visa status:maybe", 6),
        ("created:2026-13-01", 1),
        ("created:2026-03-01..2026-01-01", 1),
        ("- visa", 1),
        ("pe*rm", 1),
        ("tag:", 1),
        ("-from:bob", 1),
        ("created:2026-01-01 created:2026-02-01", 20),
    ],
)
def test_bad_syntax_says_what_and_where_req_srch5(text, position):
    with pytest.raises(Invalid) as err:
        parse_query(text)
    assert err.value.code == "bad_query"
    assert err.value.details["position"] == position
    assert str(err.value.message)


def test_unknown_field_lists_the_known_ones_req_srch5():
    with pytest.raises(Invalid) as err:
        parse_query("colour:blue")
    assert err.value.details["known"] == list(KNOWN_FIELDS)
    assert "status" in str(err.value.message)


QUERY_CHARS = st.sampled_from(list("ab é:-\"*.@_ 0129tagsu'’\t")) | st.characters(
    blacklist_categories=("Cs",)
)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=QUERY_CHARS, max_size=80))
def test_random_strings_parse_or_raise_invalid_req_srch5(text):
    with contextlib.suppress(Invalid):
        parse_query(text)
