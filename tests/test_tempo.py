import pytest

from imuhinge.coaching.tempo import parse_tempo
from imuhinge.errors import InputError
from imuhinge.report.wording import describe_tempo


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3-1-2", (3.0, 1.0, 2.0, None)),
        ("3-2-1", (3.0, 2.0, 1.0, None)),
        ("3-1-2-1", (3.0, 1.0, 2.0, 1.0)),
        ("3120", (3.0, 1.0, 2.0, 0.0)),
        ("312", (3.0, 1.0, 2.0, None)),
        ("1.5-0-1", (1.5, 0.0, 1.0, None)),
        ("10:2:10", (10.0, 2.0, 10.0, None)),
    ],
)
def test_parse_numbers(text, expected):
    t = parse_tempo(text)
    assert (t.eccentric_s, t.bottom_s, t.concentric_s, t.top_s) == expected
    assert not t.explosive


def test_explosive_phase():
    t = parse_tempo("31X0")
    assert t.concentric_s is None and t.explosive == {"concentric"}
    assert (t.eccentric_s, t.bottom_s, t.top_s) == (3.0, 1.0, 0.0)
    assert "explosive up" in describe_tempo(t)


def test_bare_x_is_ballistic():
    t = parse_tempo("x")
    assert t.explosive == {"eccentric", "concentric"} and t.bottom_s is None


@pytest.mark.parametrize("text", ["", "3-1", "fast", "3-1-2-1-1", "3--1-2", "-3-1-2", "3-X-2", "31X0X"])
def test_malformed(text):
    with pytest.raises(InputError, match="malformed tempo"):
        parse_tempo(text)


def test_words_are_unambiguous():
    words = describe_tempo(parse_tempo("3-1-2"))
    assert words == "3-1-2: 3 seconds down, 1 second pause at the bottom, 2 seconds up, no top pause target"
