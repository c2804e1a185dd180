"""Unit and property tests for kapms.measures (scoring, change definitions, instruments)."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kapms.measures.instruments import INSTRUMENTS, MBIGS, load_licensed_item_text
from kapms.measures.scoring import (
    Change,
    InvalidAnswers,
    Settings,
    change,
    derived_values,
    score,
    severity_bands,
    sleep_response,
    subscale_sums,
)


def spread(total, n, top):
    """n answers in 0..top summing to total, filled from item 1 (item 9 of PHQ-9 last)."""
    out = []
    for _ in range(n):
        out.append(min(top, total))
        total -= out[-1]
    assert total == 0
    return out


def phq(total):
    return score("PHQ-9", spread(total, 9, 3))


def gad(total):
    return score("GAD-7", spread(total, 7, 3))


def pcl(total):
    return score("PCL-5", spread(total, 20, 4))


def mbi_answers(exh, cyn, eff):
    """MBI-GS answers whose exhaustion, cynicism and efficacy item sums are as given."""
    answers = [0] * 16
    for items, total in (
        ((1, 2, 3, 4, 6), exh),
        ((8, 9, 13, 14, 15), cyn),
        ((5, 7, 10, 11, 12, 16), eff),
    ):
        for item, value in zip(items, spread(total, len(items), 6), strict=True):
            answers[item - 1] = value
    return answers


def mbi(exh, cyn, eff, **kw):
    return score("MBI-GS", mbi_answers(exh, cyn, eff), **kw)


# --- severity bands ---------------------------------------------------------------------

BANDS = {  # instrument -> (band, lowest total, highest total), from the domain notes
    "PHQ-9": [
        ("minimal", 0, 4),
        ("mild", 5, 9),
        ("moderate", 10, 14),
        ("moderately severe", 15, 19),
        ("severe", 20, 27),
    ],
    "GAD-7": [("minimal", 0, 4), ("mild", 5, 9), ("moderate", 10, 14), ("severe", 15, 21)],
}
MAKE = {"PHQ-9": phq, "GAD-7": gad, "PCL-5": pcl}


@pytest.mark.parametrize(
    "name,total,band",
    [(n, t, band) for n, bands in BANDS.items() for band, lo, hi in bands for t in (lo, hi)],
)
def test_band_edges(name, total, band):
    s = MAKE[name](total)
    assert (s.total, s.severity, s.subscales) == (total, band, {})


@pytest.mark.parametrize(
    "total,band",
    [(0, "below cutoff"), (32, "below cutoff"), (33, "probable ptsd"), (80, "probable ptsd")],
)
def test_pcl5_cutoff(total, band):
    assert pcl(total).severity == band


def test_pcl5_cutoff_is_a_setting():
    at_31 = Settings(pcl5_cutoff=31)
    assert score("PCL-5", spread(31, 20, 4), settings=at_31).severity == "probable ptsd"
    assert score("PCL-5", spread(30, 20, 4), settings=at_31).severity == "below cutoff"


def test_pcl5_cluster_sums():
    answers = [1] * 5 + [2] * 2 + [3] * 7 + [4] * 6
    s = score("PCL-5", answers)
    assert s.subscales == {"B": 5, "C": 4, "D": 21, "E": 24}
    assert s.total == 54 and s.answers == tuple(answers)


# --- flags ------------------------------------------------------------------------------


@pytest.mark.parametrize("item9,flagged", [(0, False), (1, True), (3, True)])
def test_phq9_suicidal_ideation_flag(item9, flagged):
    s = score("PHQ-9", [0] * 8 + [item9])
    assert ("suicidal_ideation" in s.flags) is flagged


def test_phq9_flag_only_from_item_9():
    assert score("PHQ-9", [3] * 8 + [0]).flags == frozenset()


DSM5_MINIMAL = {1: 2, 6: 2, 8: 2, 9: 2, 15: 2, 16: 2}  # 1 B, 1 C, 2 D, 2 E endorsed


def pcl_items(items):
    return score("PCL-5", [items.get(n, 0) for n in range(1, 21)])


def test_dsm5_rule_met_even_below_cutoff():
    s = pcl_items(DSM5_MINIMAL)
    assert "dsm5_criteria_met" in s.flags and s.severity == "below cutoff"


@pytest.mark.parametrize("dropped", [1, 6, 8, 15], ids=["no B", "no C", "one D", "one E"])
def test_dsm5_rule_each_cluster_short(dropped):
    assert "dsm5_criteria_met" not in pcl_items({**DSM5_MINIMAL, dropped: 1}).flags


def test_dsm5_rule_needs_moderately_not_a_little_bit():
    assert pcl_items({n: 1 for n in range(1, 21)}).flags == frozenset()
    assert "dsm5_criteria_met" in pcl_items({n: 2 for n in range(1, 21)}).flags


# --- invalid input ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "instrument,answers,message",
    [
        ("PHQ-9", [0] * 8, "PHQ-9 expects 9 answers, got 8"),
        ("PHQ-9", [0] * 10, "PHQ-9 expects 9 answers, got 10"),
        ("GAD-7", [], "GAD-7 expects 7 answers, got 0"),
        ("PHQ-9", [0, 0, 4, 0, 0, 0, 0, 0, 0], "PHQ-9 item 3: answer 4 is out of range 0-3"),
        ("PHQ-9", [-1] + [0] * 8, "PHQ-9 item 1: answer -1 is out of range 0-3"),
        ("PCL-5", [0] * 19 + [5], "PCL-5 item 20: answer 5 is out of range 0-4"),
        ("MBI-GS", [7] + [0] * 15, "MBI-GS item 1: answer 7 is out of range 0-6"),
        ("GAD-7", [0, "1", 0, 0, 0, 0, 0], "GAD-7 item 2: answer '1' is not an integer"),
        ("GAD-7", [0, 0, 1.0, 0, 0, 0, 0], "GAD-7 item 3: answer 1.0 is not an integer"),
        ("GAD-7", [True] + [0] * 6, "GAD-7 item 1: answer True is not an integer"),
        ("GAD-7", [0] * 6 + [False], "GAD-7 item 7: answer False is not an integer"),
        ("PHQ-9", [0] * 4 + [None] + [0] * 4, "PHQ-9 item 5: answer None is not an integer"),
        ("PHQ-9", "000000000", "PHQ-9 answers must be a list of integers"),
        ("PHQ-9", None, "PHQ-9 answers must be a list of integers"),
        ("PHQ9", [0] * 9, "unknown instrument 'PHQ9'"),
        (None, [0] * 9, "unknown instrument None"),
    ],
)
def test_invalid_answers(instrument, answers, message):
    with pytest.raises(InvalidAnswers) as err:
        score(instrument, answers)
    assert message in str(err.value)
    assert isinstance(err.value, ValueError)


def test_answers_are_normalised_to_a_tuple():
    assert score("GAD-7", (1, 1, 1, 1, 1, 1, 1)).answers == (1,) * 7


# --- change: PHQ-9, GAD-7, PCL-5 --------------------------------------------------------


@pytest.mark.parametrize("name,make", [("PHQ-9", phq), ("GAD-7", gad), ("PCL-5", pcl)])
@pytest.mark.parametrize(
    "before,after,responded,percent",
    [
        (20, 10, True, -50.0),  # exactly 50%
        (20, 11, False, -45.0),  # just below
        (15, 7, True, -53.3),
        (15, 8, False, -46.7),
        (10, 12, False, 20.0),  # worse
    ],
)
def test_response_at_fifty_percent(name, make, before, after, responded, percent):
    c = change(name, make(before), make(after))
    assert (c.response, c.percent_change, c.absolute_change) == (responded, percent, after - before)


def test_zero_baseline_has_no_percent_and_no_response():
    c = change("PHQ-9", phq(0), phq(0))
    assert c.percent_change is None and c.response is False and c.remission is True


def test_percent_change_rounds_half_away_from_zero():
    assert change("PCL-5", pcl(80), pcl(79)).percent_change == -1.3  # -1.25
    assert change("PHQ-9", phq(16), phq(17)).percent_change == 6.3  # 6.25


@pytest.mark.parametrize(
    "name,make,edge", [("PHQ-9", phq, 5), ("GAD-7", gad, 5), ("PCL-5", pcl, 33)]
)
def test_remission_edges(name, make, edge):
    assert change(name, make(edge + 5), make(edge - 1)).remission is True
    assert change(name, make(edge + 5), make(edge)).remission is False


def test_remission_settings():
    assert change("PCL-5", pcl(50), pcl(30), settings=Settings(pcl5_cutoff=30)).remission is False
    s = Settings(pcl5_remission_below=20)
    assert change("PCL-5", pcl(50), pcl(19), settings=s).remission is True
    assert change("PCL-5", pcl(50), pcl(20), settings=s).remission is False
    assert change("PHQ-9", phq(20), phq(9), settings=Settings(phq9_remission_below=10)).remission


def test_pcl5_meaningful_change_is_10_points():
    assert change("PCL-5", pcl(40), pcl(30)).meaningful_change is True
    assert change("PCL-5", pcl(40), pcl(31)).meaningful_change is False
    # 10 points from 60 is meaningful but is not a 50% response
    c = change("PCL-5", pcl(60), pcl(50))
    assert c.meaningful_change and not c.response
    assert change("PHQ-9", phq(20), phq(5)).meaningful_change is True  # 5 points on PHQ-9


def test_response_reduction_setting_is_exact_even_as_float():
    for reduction in (Decimal("0.3"), 0.3, "0.3"):
        settings = Settings(response_reduction=reduction)
        assert change("PCL-5", pcl(30), pcl(21), settings=settings).response is True
        assert change("PCL-5", pcl(30), pcl(22), settings=settings).response is False


def test_mismatched_instruments_are_rejected():
    with pytest.raises(ValueError, match="current is a GAD-7 score, expected PHQ-9"):
        change("PHQ-9", phq(10), gad(5))
    with pytest.raises(ValueError, match="baseline is a PHQ-9 score, expected GAD-7"):
        change("GAD-7", phq(10), gad(5))
    with pytest.raises(ValueError, match="baseline must be a Score"):
        change("PHQ-9", 10, phq(5))
    with pytest.raises(ValueError, match="unknown instrument"):
        change("BDI", phq(10), phq(5))


# --- MBI-GS -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "exh,cyn,eff,band",
    [
        (24, 19, 36, "burnout"),  # exhaustion 4.8 exactly, cynicism 3.8 exactly
        (23, 19, 36, "below threshold"),  # exhaustion 4.6
        (24, 18, 36, "below threshold"),  # cynicism 3.6, efficacy 6.0
        (24, 18, 25, "burnout"),  # efficacy 4.17 <= 4.3
        (24, 18, 26, "below threshold"),  # efficacy 4.33 > 4.3
        (30, 0, 0, "burnout"),
        (23, 30, 0, "below threshold"),  # exhaustion is required
    ],
)
def test_source_002_burnout_threshold(exh, cyn, eff, band):
    s = mbi(exh, cyn, eff)
    assert s.severity == band and s.total is None and s.flags == frozenset()


def test_burnout_efficacy_edge_is_inclusive_and_exact():
    # 4.3 is not reachable with 6 items; move the threshold to 4.5 (27/6) to test "<="
    s = Settings(mbi_efficacy_at_most=Decimal("4.5"))
    assert mbi(24, 0, 27, settings=s).severity == "burnout"
    assert mbi(24, 0, 28, settings=s).severity == "below threshold"
    floats = Settings(mbi_exhaustion_at_least=4.8, mbi_cynicism_at_least=0)  # read exactly
    assert mbi(24, 0, 36, settings=floats).severity == "burnout"


def test_mbi_subscale_means_rounded_for_display():
    s = mbi(24, 19, 25)
    assert s.subscales == {"exhaustion": 4.8, "cynicism": 3.8, "professional_efficacy": 4.17}
    assert mbi(0, 0, 26).subscales["professional_efficacy"] == 4.33


def test_mbi_subscale_response_directions():
    c = change("MBI-GS", mbi(25, 25, 18), mbi(20, 21, 24))
    # exhaustion -1.0, cynicism -0.8, efficacy +1.0
    assert c.subscale_response == dict(exhaustion=True, cynicism=False, professional_efficacy=True)
    assert c.improved_subscales == 2
    assert (c.percent_change, c.response, c.remission, c.absolute_change) == (None,) * 4
    worse = change("MBI-GS", mbi(20, 20, 24), mbi(25, 25, 18))  # exh/cyn up, efficacy down
    assert worse.subscale_response == dict.fromkeys(worse.subscale_response, False)
    assert worse.improved_subscales == 0


def test_mbi_response_points_setting():
    c = change("MBI-GS", mbi(25, 25, 18), mbi(20, 21, 24), settings=Settings(mbi_response_points=2))
    assert c.improved_subscales == 0


def test_leaving_burnout():
    assert change("MBI-GS", mbi(24, 19, 36), mbi(23, 19, 36)).left_burnout is True
    assert change("MBI-GS", mbi(24, 19, 36), mbi(24, 19, 36)).left_burnout is False
    assert change("MBI-GS", mbi(23, 19, 36), mbi(10, 0, 36)).left_burnout is False
    assert change("PHQ-9", phq(10), phq(5)).left_burnout is None


# --- sleep response ---------------------------------------------------------------------


def with_item3(value):
    return score("PHQ-9", [1, 1, value, 1, 1, 1, 1, 1, 0])


@pytest.mark.parametrize(
    "before,after,expected",
    [(3, 2, True), (3, 0, True), (2, 2, False), (1, 2, False), (0, 0, False)],
)
def test_sleep_response(before, after, expected):
    assert sleep_response(with_item3(before), with_item3(after)) is expected


def test_sleep_response_setting_and_instrument():
    assert not sleep_response(
        with_item3(3), with_item3(2), settings=Settings(sleep_response_points=2)
    )
    with pytest.raises(ValueError, match="expected PHQ-9"):
        sleep_response(gad(10), gad(5))


# --- instruments and the licensed MBI-GS text -------------------------------------------


def test_instrument_definitions_are_consistent():
    for inst in INSTRUMENTS.values():
        if inst.items is not None:
            assert len(inst.items) == inst.item_count
            assert len(inst.option_labels) == len(inst.answer_values)
            assert inst.instructions
        members = sorted(n for nums in inst.subscales.values() for n in nums)
        assert members in ([], list(range(1, inst.item_count + 1)))
    assert (MBIGS.items, MBIGS.option_labels, MBIGS.instructions) == (None, None, None)
    assert MBIGS.answer_values == (0, 1, 2, 3, 4, 5, 6)


def write(tmp_path, text):
    path = tmp_path / "mbi.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_load_licensed_item_text(tmp_path):
    lines = [f"{n},Licensed item {n}" for n in range(16, 0, -1)]
    lines[0] = '16,"Quoted, with ""comma"""'
    text = "\ufeffitem_number,text\n# licence 123\n\n" + "\n".join(lines) + "\n"
    items = load_licensed_item_text(write(tmp_path, text))
    assert list(items) == list(range(1, 17))
    assert items[1] == "Licensed item 1" and items[16] == 'Quoted, with "comma"'


@pytest.mark.parametrize(
    "bad_line,message",
    [
        ("3,again", "line 17: item 3 appears again (first on line 3)"),
        ("17,too far", "line 17: item number 17 is out of range 1-16"),
        ("x,text", "line 17: item number 'x' is not an integer"),
        ("no comma here", "line 17: expected 'item_number,text'"),
    ],
)
def test_load_licensed_item_text_rejects_bad_lines(tmp_path, bad_line, message):
    text = "\n".join(f"{n},item {n}" for n in range(1, 17)) + "\n" + bad_line
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_licensed_item_text(write(tmp_path, text))


def test_load_licensed_item_text_empty_and_missing(tmp_path):
    with pytest.raises(ValueError, match="line 2: item 2 has empty text"):
        load_licensed_item_text(write(tmp_path, "1,a\n2,  \n"))
    with pytest.raises(ValueError, match="missing item\\(s\\) 5, 16"):
        text = "\n".join(f"{n},item {n}" for n in range(1, 16) if n != 5)
        load_licensed_item_text(write(tmp_path, text))


# --- properties -------------------------------------------------------------------------


def answers_for(name):
    inst = INSTRUMENTS[name]
    return st.lists(
        st.integers(inst.min_answer, inst.max_answer),
        min_size=inst.item_count,
        max_size=inst.item_count,
    )


@given(
    st.sampled_from(["PHQ-9", "GAD-7", "PCL-5"]).flatmap(
        lambda n: st.tuples(st.just(n), answers_for(n))
    )
)
def test_total_is_sum_and_band_consistent(case):
    name, answers = case
    s = score(name, answers)
    assert s.total == sum(answers)
    if name == "PCL-5":
        assert sum(s.subscales.values()) == s.total
        assert s.severity == ("probable ptsd" if s.total >= 33 else "below cutoff")
    else:
        assert s.severity == next(b for b, lo, hi in BANDS[name] if lo <= s.total <= hi)


@given(answers_for("MBI-GS"))
def test_burnout_matches_integer_form_of_rule(answers):
    exh = sum(answers[i - 1] for i in (1, 2, 3, 4, 6))
    cyn = sum(answers[i - 1] for i in (8, 9, 13, 14, 15))
    eff = sum(answers[i - 1] for i in (5, 7, 10, 11, 12, 16))
    # mean >= 4.8 over 5 items <=> sum >= 24; >= 3.8 <=> sum >= 19; <= 4.3 over 6 <=> sum <= 25
    expected = exh >= 24 and (cyn >= 19 or eff <= 25)
    assert (score("MBI-GS", answers).severity == "burnout") is expected


@given(answers_for("PHQ-9"), answers_for("PHQ-9"))
def test_response_means_current_at_most_half_of_baseline(before, after):
    c = change("PHQ-9", score("PHQ-9", before), score("PHQ-9", after))
    assert isinstance(c, Change)
    assert c.response is (sum(before) > 0 and 2 * sum(after) <= sum(before))


@given(answers_for("GAD-7"), st.integers(0, 6), st.integers(-3, 7))
def test_any_out_of_range_answer_is_rejected(answers, position, bad):
    if 0 <= bad <= 3:
        bad = bad + 4 if bad % 2 else -1 - bad
    answers[position] = bad
    with pytest.raises(InvalidAnswers, match=f"GAD-7 item {position + 1}: answer"):
        score("GAD-7", answers)


# --- change definitions added for the outcome report ----------------------------------

def test_meaningful_change_and_any_improvement_per_instrument():
    from kapms.measures.scoring import Settings

    assert change("PHQ-9", phq(12), phq(7)).meaningful_change is True  # 5 points
    assert change("PHQ-9", phq(12), phq(8)).meaningful_change is False
    gad = [score("GAD-7", [2] * 7), score("GAD-7", [2] * 3 + [1] * 4), score("GAD-7", [2] * 4 + [1] * 3)]
    assert change("GAD-7", gad[0], gad[1]).meaningful_change is True  # 14 -> 10: 4 points
    assert change("GAD-7", gad[0], gad[2]).meaningful_change is False  # 3 points
    assert change("PHQ-9", phq(12), phq(11)).improved is True
    assert change("PHQ-9", phq(12), phq(12)).improved is False
    assert change("PHQ-9", phq(3), phq(4)).improved is False
    assert change("PHQ-9", phq(12), phq(9), settings=Settings(phq9_meaningful_change=3)
                  ).meaningful_change is True
    assert Settings().meaningful_change("MBI-GS") is None


def _mbi(ex, cy, ef):
    """An MBI-GS score with the given subscale sums (5, 5 and 6 items)."""
    answers = [0] * 16
    for items, total in (((1, 2, 3, 4, 6), ex), ((8, 9, 13, 14, 15), cy),
                         ((5, 7, 10, 11, 12, 16), ef)):
        for n in items:
            answers[n - 1] = min(6, total)
            total -= answers[n - 1]
    return score("MBI-GS", answers)


@pytest.mark.parametrize("sums,profile", [
    ((24, 19, 25), "Burnout"),        # exhaustion 4.8 and cynicism 3.8 exactly: both high
    ((24, 19, 30), "Burnout"),        # efficacy 5.0 does not matter once both are high
    ((24, 18, 30), "Overextended"),   # cynicism 3.6
    ((23, 19, 30), "Disengaged"),     # exhaustion 4.6
    ((23, 18, 25), "Ineffective"),    # efficacy 25/6 = 4.17 <= 4.3
    ((23, 18, 26), "Engaged"),        # efficacy 26/6 = 4.33 > 4.3
])
def test_mbi_profiles_on_exact_means(sums, profile):
    from kapms.measures.scoring import mbi_profile

    assert mbi_profile(_mbi(*sums)) == profile


def test_mbi_profile_cut_offs_are_settings_and_subscale_improvement():
    from kapms.measures.scoring import Settings, mbi_profile

    lenient = Settings(mbi_profile_exhaustion_high=Decimal("5"), mbi_profile_efficacy_low=4)
    assert mbi_profile(_mbi(24, 19, 25), lenient) == "Disengaged"
    assert mbi_profile(_mbi(20, 10, 25), lenient) == "Engaged"  # 25/6 > 4
    with pytest.raises(ValueError):
        mbi_profile(phq(3))
    c = change("MBI-GS", _mbi(25, 20, 20), _mbi(24, 20, 21))
    assert c.subscale_improved == {"exhaustion": True, "cynicism": False,
                                   "professional_efficacy": True}
    assert c.subscale_response == {"exhaustion": False, "cynicism": False,
                                   "professional_efficacy": False}


# --- the values stored with an administration, and the chart bands (hand-worked) ---------

NOT_MBI = {"exhaustion_sum": None, "cynicism_sum": None, "efficacy_sum": None,
           "burnout": None}


def test_values_stored_for_a_phq9():
    # Item 3 (sleep) answered 2 and item 9 (self-harm thoughts) 1: total 3.
    assert derived_values(score("PHQ-9", [0, 0, 2, 0, 0, 0, 0, 0, 1])) == {
        "total": 3, "severity": "minimal", "item3": 2, "item9": 1, **NOT_MBI,
        "suicidal_ideation": True, "dsm5_criteria_met": None}
    assert derived_values(phq(0))["suicidal_ideation"] is False


def test_values_stored_for_a_gad7_and_a_pcl5():
    assert derived_values(score("GAD-7", [3] * 7)) == {
        "total": 21, "severity": "severe", "item3": None, "item9": None, **NOT_MBI,
        "suicidal_ideation": False, "dsm5_criteria_met": None}
    # Every PCL-5 item "moderately" (2): each DSM-5 cluster is met; every item 1: none is.
    met = {"item3": None, "item9": None, **NOT_MBI, "suicidal_ideation": False}
    assert derived_values(score("PCL-5", [2] * 20)) == {
        "total": 40, "severity": "probable ptsd", **met, "dsm5_criteria_met": True}
    assert derived_values(score("PCL-5", [1] * 20)) == {
        "total": 20, "severity": "below cutoff", **met, "dsm5_criteria_met": False}


def test_values_stored_for_an_mbi_gs():
    stored = derived_values(_mbi(24, 19, 25))
    assert {k: stored[k] for k in ("exhaustion_sum", "cynicism_sum", "efficacy_sum",
                                   "burnout", "item3", "item9", "dsm5_criteria_met",
                                   "suicidal_ideation")} == {
        "exhaustion_sum": 24, "cynicism_sum": 19, "efficacy_sum": 25, "burnout": True,
        "item3": None, "item9": None, "dsm5_criteria_met": None, "suicidal_ideation": False}
    assert derived_values(_mbi(23, 19, 30))["burnout"] is False
    assert subscale_sums("MBI-GS", mbi_answers(20, 10, 30)) == {
        "exhaustion": 20, "cynicism": 10, "professional_efficacy": 30}


def test_chart_bands_of_every_instrument():
    assert severity_bands("PHQ-9") == ((0, 4, "minimal"), (5, 9, "mild"), (10, 14, "moderate"),
                                       (15, 19, "moderately severe"), (20, 27, "severe"))
    assert severity_bands("GAD-7") == ((0, 4, "minimal"), (5, 9, "mild"), (10, 14, "moderate"),
                                       (15, 21, "severe"))
    assert severity_bands("PCL-5") == ((0, 32, "below cutoff"), (33, 80, "probable PTSD"))
    assert severity_bands("PCL-5", Settings(pcl5_cutoff=31)) == (
        (0, 30, "below cutoff"), (31, 80, "probable PTSD"))
    assert severity_bands("MBI-GS") == ((0, 4.8, ""), (4.8, 6, "exhaustion ≥ 4.8"))
    assert severity_bands("MBI-GS", Settings(mbi_exhaustion_at_least=Decimal("5"))) == (
        (0, 5.0, ""), (5.0, 6, "exhaustion ≥ 5"))
    with pytest.raises(InvalidAnswers, match="unknown instrument 'BDI'"):
        severity_bands("BDI")
