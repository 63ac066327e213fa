"""The pure rules for what a pain change means and when to send the client to a clinician,
value for value at every boundary."""

from __future__ import annotations

import pytest

from portal.feedback.meaning import (
    CLIENT_ADVICE, HIGH_PAIN, MEANINGFUL, NEW_NUMBNESS, NO_CLEAR_CHANGE, RISE, RISE_AFTER_SESSION, RULE_IN_WORDS,
    SMALL, Concern, brief_flag, change_label, label_words, safety_concerns)


@pytest.mark.parametrize("before, after, label", [
    (10, 7, MEANINGFUL),      # 3 points, exactly 30%: meaningful
    (7, 5, SMALL),            # 2 points but 28.6% (< 30%): not meaningful, small
    (6, 4, MEANINGFUL),       # 2 points, 33%
    (2, 0, MEANINGFUL),       # 2 points, 100%
    (10, 8, SMALL),           # 2 points, 20%
    (9, 7, SMALL),            # 2 points, 22%
    (4, 3, SMALL),            # 1 point (25%) is small, never meaningful
    (10, 9, SMALL),           # exactly 1 point, 10%
    (1, 0, SMALL),            # 1 point from 1
    (5, 5, NO_CLEAR_CHANGE),
    (0, 0, NO_CLEAR_CHANGE),  # from 0 nothing can drop
    (0, 1, RISE),
    (3, 4, RISE),             # a rise of 1 is still a rise
    (2, 9, RISE),
    (None, 4, None),
    (6, None, None),
    (None, None, None),
])
def test_change_label_boundaries(before, after, label):
    assert change_label(before, after) == label


def test_fifteen_percent_alone_counts_as_small_for_fractional_scores():
    # Stored scores are whole numbers, where any drop is at least 1 point; the 15% arm only
    # decides for a fraction under a point (e.g. an average): 0.6 of 4 is exactly 15%, 0.5 is not.
    assert change_label(4, 3.4) == SMALL
    assert change_label(4, 3.5) == NO_CLEAR_CHANGE


def test_label_words_and_the_rule_in_words():
    assert label_words(10, 7) == "meaningful drop"
    assert label_words(7, 5) == "small drop"
    assert label_words(3, 3) == "no clear change"
    assert label_words(3, 6) == "rise"
    assert label_words(None, 6) == ""
    for words in ("2 points", "30%", "1 point", "15%", "Farrar", "rise"):
        assert words in RULE_IN_WORDS


@pytest.mark.parametrize("kwargs, expected", [
    ({"before": {"neck": 7}, "after": {"neck": 5}}, []),
    ({"before": {"neck": 8}, "after": {"neck": 3}}, [Concern(HIGH_PAIN, "neck")]),      # 8 before counts
    ({"before": {"neck": 2}, "after": {"neck": 8}}, [Concern(HIGH_PAIN, "neck"), Concern(RISE_AFTER_SESSION, "neck")]),
    ({"before": {"neck": 3}, "after": {"neck": 5}}, [Concern(RISE_AFTER_SESSION, "neck")]),  # exactly +2
    ({"before": {"neck": 3}, "after": {"neck": 4}}, []),                                     # +1: no
    ({"before": {"neck": 7}, "after": {}}, []),                                              # missing after
    ({"before": {}, "after": {"neck": 7}}, []),
    ({"scores": {"lower_back": 8, "neck": 7}}, [Concern(HIGH_PAIN, "lower_back")]),
    ({"scores": {"lower_back": 10}}, [Concern(HIGH_PAIN, "lower_back")]),
    ({"scores": {"neck": 7}}, []),
    ({"scores": {"neck": 1}, "new_numbness": True}, [Concern(NEW_NUMBNESS)]),
    ({}, []),
])
def test_safety_concerns(kwargs, expected):
    assert safety_concerns(**kwargs) == expected


def test_brief_flag_names_each_reason_and_the_area():
    labels = {"neck": "neck", "lower_back": "lower back"}
    flag = brief_flag([Concern(HIGH_PAIN, "lower_back"), Concern(RISE_AFTER_SESSION, "neck"), Concern(NEW_NUMBNESS)],
                      labels)
    assert flag == ("Client reported pain of 8+ (lower back) / a rise of 2+ after the last session (neck) / "
                    "new numbness, tingling or weakness: ask before starting, and do not massage the area if unsure.")
    assert brief_flag([Concern(NEW_NUMBNESS)], labels).startswith("Client reported new numbness, tingling or weakness:")
    assert brief_flag([], labels) == ""


def test_client_advice_points_to_a_clinician_and_never_names_a_condition():
    assert "GP" in CLIENT_ADVICE and "NHS 111" in CLIENT_ADVICE and "999" in CLIENT_ADVICE
    for diagnosis in ("sciatica", "nerve", "disc", "you have", "may be"):
        assert diagnosis not in CLIENT_ADVICE.lower()


# --- lasting relief -------------------------------------------------------------------------

from portal.feedback.meaning import (  # noqa: E402
    MOST_LASTED, NONE_LASTED, RELIEF_RULE_IN_WORDS, SOME_LASTED, lasted_words, relief_lasted, relief_sentence,
)


@pytest.mark.parametrize("before, after, later, expected", [
    (7, 3, 4, MOST_LASTED),     # the example: 3 of 4 points remain
    (7, 3, 5, MOST_LASTED),     # exactly half remains (2 of 4): most
    (7, 3, 3, MOST_LASTED),     # all of it
    (7, 3, 1, MOST_LASTED),     # better than straight after
    (8, 3, 6, SOME_LASTED),     # 2 of 5: under half
    (7, 3, 6, SOME_LASTED),     # 1 of 4
    (7, 4, 5, MOST_LASTED),     # 2 of 3 points remain: over half
    (9, 3, 7, SOME_LASTED),     # 2 of 6: a third
    (7, 3, 7, NONE_LASTED),     # back where it was
    (7, 3, 9, NONE_LASTED),     # worse than before
    (1, 0, 1, NONE_LASTED),
    (1, 0, 0, MOST_LASTED),
])
def test_how_much_relief_lasted(before, after, later, expected):
    assert relief_lasted(before, after, later) == expected


@pytest.mark.parametrize("before, after, later", [
    (None, 3, 4), (7, None, 4), (7, 3, None), (None, None, None),  # a missing score
    (3, 6, 4),  # a rise: no relief to last
    (5, 5, 2),  # no change: no relief to last
])
def test_no_relief_to_measure(before, after, later):
    assert relief_lasted(before, after, later) is None
    assert lasted_words(before, after, later) == ""


def test_relief_in_a_sentence_and_the_rule_in_words():
    assert relief_sentence("lower back", 7, 3, 4) == "Lower back: 7 before, 3 after, 4 two days later: most of the relief lasted."
    assert relief_sentence("neck", 6, 2, 6) == "Neck: 6 before, 2 after, 6 two days later: none of the relief lasted."
    assert relief_sentence("neck", 3, 6, 4).endswith("a rise after the session, so no relief to measure.")
    assert relief_sentence("neck", 7, 3, None) == ""
    assert "at least half" in RELIEF_RULE_IN_WORDS and "no relief to measure" in RELIEF_RULE_IN_WORDS
