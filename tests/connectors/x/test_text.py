"""The 280-character limit counted the way X counts it (twitter-text v3): URLs weigh 23 whatever their length,
CJK characters and emoji weigh 2, accented Latin letters 1 (OPS-10)."""

from __future__ import annotations

import pytest

from parlons.connectors.x.text import MAX_POST_LENGTH, check_dm, check_post, weighted_length
from parlons.core.errors import Invalid


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("", 0),
        ("Bonjour", 7),
        ("é" * 280, 280),  # accented Latin letters weigh 1
        ("https://www.canada.ca/fr/services/passeports/demande-de-passeport-adulte.html", 23),
        ("Voir https://canada.ca", 5 + 23),
        ("canada.ca", 23),  # a bare domain is a URL for X too
        ("あ" * 140, 280),  # CJK weighs 2
        ("漢字", 4),
        ("😀", 2),  # an emoji weighs 2
        ("👨‍👩‍👧‍👦", 2),  # a family ZWJ sequence is one emoji
        ("🇨🇦", 2),  # a flag is one emoji
        ("a\r\nb", 3),  # CRLF is one line break
    ],
)
def test_weighted_length_cases_req_ops10(text, length):
    assert weighted_length(text) == length


def test_limit_and_error_req_ops10():
    assert check_post("a" * MAX_POST_LENGTH) == 280
    assert check_post("😀" * 140) == 280
    with pytest.raises(Invalid) as exc:
        check_post("😀" * 141)
    assert (exc.value.code, exc.value.details["length"], exc.value.status) == ("too_long_for_x", 282, 400)
    assert "2 characters too long" in str(exc.value.message)
    assert check_dm("x" * 10000) == 10000
    with pytest.raises(Invalid):
        check_dm("x" * 10001)
