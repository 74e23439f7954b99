"""DSLP domain rules: labels, phases, branch grammar and hidden markers."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from store.rules import (
    BRANCH_KINDS,
    DEFAULT_LABELS,
    KINDS,
    MARKER_KINDS,
    MERGED_EXPLORE,
    OUTCOMES,
    PHASES,
    BranchFacts,
    BranchName,
    branch_for,
    card_phase,
    card_violations,
    find_markers,
    kind_from_labels,
    make_marker,
    outcome_from_labels,
    parse_branch,
    project_phase,
    strip_markers,
    strip_remote,
)


def random_case(data: st.DataObject, word: str) -> str:
    flips = data.draw(st.lists(st.booleans(), min_size=len(word), max_size=len(word)))
    cased = "".join(c.upper() if f else c.lower() for c, f in zip(word, flips, strict=True))
    pad = st.text(alphabet=" \t\n", max_size=3)
    return data.draw(pad) + cased + data.draw(pad)


# --- constants ----------------------------------------------------------------------------


def test_default_labels_are_ones_github_accepts() -> None:
    names = [name for name, _, _ in DEFAULT_LABELS]
    assert len({n.lower() for n in names}) == len(names)  # GitHub's names ignore case
    for name, colour, description in DEFAULT_LABELS:
        assert re.fullmatch(r"[0-9a-f]{6}", colour), name
        assert description and len(description) <= 100  # GitHub's limit


def test_outcomes_are_label_names() -> None:
    names = {name for name, _, _ in DEFAULT_LABELS}
    assert set(OUTCOMES) <= names


# --- labels -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        (["Ask"], "ask"),
        (["  experiment "], "experiment"),
        (["bug", "MODEL"], "model"),
        (["Ask", "Experiment"], "experiment"),
        (["Model", "Data", "Explore"], "model"),
        (["Deploy"], None),
        (["Communicate", "succeeded"], None),
        ([], None),
        (["Asks"], None),
    ],
)
def test_kind_from_labels(labels: list[str], expected: str | None) -> None:
    assert kind_from_labels(labels) == expected


def test_kind_from_labels_accepts_any_iterable() -> None:
    assert kind_from_labels(label for label in ("x", "Data")) == "data"


@given(st.data())
def test_kind_from_labels_is_case_insensitive(data: st.DataObject) -> None:
    kind = data.draw(st.sampled_from(KINDS))
    label = random_case(data, kind)
    assert kind_from_labels([label]) == kind


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        (["succeeded"], "succeeded"),
        (["FAILED"], "failed"),
        (["on-hold"], "on hold"),
        (["On_Hold"], "on hold"),
        (["blocked-need access"], "blocked - need access"),
        (["Blocked - Need Access"], "blocked - need access"),
        (["blocked"], None),
        (["succeeded", "failed"], "failed"),
        (["on hold", "succeeded"], "succeeded"),
        (["on hold", "blocked - need access"], "blocked - need access"),
        (["Experiment"], None),
    ],
)
def test_outcome_from_labels(labels: list[str], expected: str | None) -> None:
    assert outcome_from_labels(labels) == expected


@given(st.data())
def test_outcome_from_labels_is_case_insensitive(data: st.DataObject) -> None:
    outcome = data.draw(st.sampled_from(OUTCOMES))
    assert outcome_from_labels([random_case(data, outcome)]) == outcome


# --- phases -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "labels", "status", "expected"),
    [
        ("ask", [], None, "ideation"),
        ("data", [], None, "data"),
        ("explore", [], None, "explore"),
        ("experiment", ["Deploy"], None, "experiment"),
        ("model", [], None, "model"),
        ("model", ["deploy"], None, "deploy"),
        ("model", [], "staging", "deploy"),
        ("model", [], "approved", "model"),
        ("model", ["Deploy"], "production", "monitoring"),
        ("model", [], "retired", "monitoring"),
        (None, ["Deploy"], "production", None),
        ("communicate", [], None, None),
    ],
)
def test_card_phase(
    kind: str | None, labels: list[str], status: str | None, expected: str | None
) -> None:
    assert card_phase(kind, labels, status) == expected


def test_project_phase_empty_is_ideation() -> None:
    assert project_phase([]) == "ideation"


def test_project_phase_prefers_most_advanced_open_work() -> None:
    cards = [("ideation", True), ("experiment", True), ("model", False), ("data", True)]
    assert project_phase(cards) == "experiment"


def test_project_phase_falls_back_to_furthest_reached_when_all_closed() -> None:
    assert project_phase([("ideation", False), ("model", False), ("data", False)]) == "model"


def test_project_phase_live_model_keeps_project_in_monitoring() -> None:
    assert project_phase([("monitoring", True), ("ideation", True)]) == "monitoring"


def test_project_phase_ignores_unclassified() -> None:
    assert project_phase([(None, True), ("bogus", True), ("data", False)]) == "data"  # type: ignore[list-item]


@given(st.lists(st.tuples(st.sampled_from(PHASES), st.booleans())))
def test_project_phase_is_order_independent(cards: list[tuple[str, bool]]) -> None:
    phase = project_phase(cards)
    assert phase == project_phase(list(reversed(cards)))
    assert phase in PHASES
    if any(is_open for _, is_open in cards):
        assert (phase, True) in cards


# --- branches -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("data/3-customers-v2", BranchName("data/3-customers-v2", "data", 3, "customers-v2")),
        ("explore/7-eda", BranchName("explore/7-eda", "explore", 7, "eda")),
        ("experiment/12-xgb", BranchName("experiment/12-xgb", "experiment", 12, "xgb")),
        ("model/40-churn_v1.2", BranchName("model/40-churn_v1.2", "model", 40, "churn_v1.2")),
        ("15-fix-readme", BranchName("15-fix-readme", "issue", 15, "fix-readme")),
        ("main", BranchName("main", "collaboration", None, None)),
        ("development", BranchName("development", "collaboration", None, None)),
        ("origin/experiment/12-xgb", BranchName("experiment/12-xgb", "experiment", 12, "xgb")),
        ("refs/heads/main", BranchName("main", "collaboration", None, None)),
        ("feature/x", BranchName("feature/x", "invalid", None, None)),
        ("experiment/xgb", BranchName("experiment/xgb", "invalid", None, None)),
        ("experiment/12", BranchName("experiment/12", "invalid", None, None)),
        ("experiment/12-", BranchName("experiment/12-", "invalid", None, None)),
        ("Experiment/12-x", BranchName("Experiment/12-x", "invalid", None, None)),
        ("experiment/012-x", BranchName("experiment/012-x", "invalid", None, None)),
        ("model/4-a/b", BranchName("model/4-a/b", "invalid", None, None)),
        ("master", BranchName("master", "invalid", None, None)),
        ("", BranchName("", "invalid", None, None)),
    ],
)
def test_parse_branch(name: str, expected: BranchName) -> None:
    assert parse_branch(name) == expected


def test_strip_remote() -> None:
    assert strip_remote("origin/model/4-x") == "model/4-x"
    assert strip_remote("refs/remotes/upstream/main") == "main"
    assert strip_remote("  main\n") == "main"
    assert strip_remote("upstream/main") == "upstream/main"  # ambiguous: left alone
    assert strip_remote("origin/origin/x") == "origin/x"  # only one prefix


@given(st.text(max_size=80))
def test_parse_branch_never_raises(name: str) -> None:
    branch = parse_branch(name)
    assert branch.kind in BRANCH_KINDS
    assert (branch.issue_number is None) == (branch.kind in ("collaboration", "invalid"))


@given(
    st.sampled_from([*KINDS, None]),
    st.integers(min_value=1, max_value=10**6),
    st.text(max_size=80),
)
def test_branch_for_parses_back(kind: str | None, number: int, title: str) -> None:
    branch = parse_branch(branch_for(kind, number, title))
    assert branch.issue_number == number
    assert branch.kind == (kind if kind not in (None, "ask") else "issue")


def test_branch_for_slug() -> None:
    assert (
        branch_for("experiment", 12, "XGBoost: baseline (v2)!")
        == "experiment/12-xgboost-baseline-v2"
    )
    assert branch_for(None, 5, "Écrire la doc") == "5-ecrire-la-doc"
    assert branch_for("data", 1, "???") == "data/1-work"
    with pytest.raises(ValueError):
        branch_for("data", 0, "x")


# --- markers ------------------------------------------------------------------------------


def test_marker_round_trip_in_a_comment() -> None:
    marker = make_marker("outcome", "3f2a9c")
    assert marker == "<!-- dslp:outcome id=3f2a9c -->"
    body = f"Marked failed: AUC below target.\n\n{marker}\n"
    assert find_markers(body) == [("outcome", "3f2a9c")]
    assert strip_markers(body) == "Marked failed: AUC below target."


def test_find_markers_in_order_and_skips_unknown() -> None:
    text = (
        f"{make_marker('signoff', 'b')} text {make_marker('model', 'a')}\n"
        "<!-- dslp:bogus id=zz --> <!-- dslp:outcome id=bad id! -->\n"
        f"{make_marker('signoff', 'b')}"
    )
    assert find_markers(text) == [("signoff", "b"), ("model", "a"), ("signoff", "b")]
    assert find_markers(None) == [] and find_markers("") == []


def test_strip_markers_keeps_plain_text_untouched() -> None:
    assert strip_markers("  hello  \n") == "  hello  \n"
    assert strip_markers(None) == ""
    assert strip_markers(f"a {make_marker('checklist', 'x')} b") == "a  b"


@pytest.mark.parametrize(
    ("kind", "entry_id"),
    [("memo", "x"), ("outcome", ""), ("outcome", "a b"), ("outcome", "x-->"), ("model", "a" * 129)],
)
def test_make_marker_rejects_what_could_break_the_comment(kind: str, entry_id: str) -> None:
    with pytest.raises(ValueError):
        make_marker(kind, entry_id)


@given(
    st.sampled_from(MARKER_KINDS),
    st.text(alphabet="abcdef0123456789-_XYZ", min_size=1, max_size=64),
    st.text(max_size=200),
)
def test_markers_found_wherever_they_are_put(kind: str, entry_id: str, prose: str) -> None:
    text = prose + "\n" + make_marker(kind, entry_id)
    assert find_markers(text)[-1] == (kind, entry_id)
    assert find_markers(strip_markers(text)) == []


# --- a card's violations ------------------------------------------------------------------

MERGED_EXPLORE_SAID = "explore branch explore/7-eda was merged: DSLP closes explore PRs unmerged"


def violations(
    kind: str | None = "experiment",
    state: str = "open",
    *,
    outcome: str | None = None,
    tldr: str | None = None,
    branches: tuple[BranchFacts, ...] = (),
    outcome_tldrs: tuple[str, ...] = (),
    number: int = 7,
) -> list[str]:
    return card_violations(
        number=number,
        kind=kind,
        state=state,
        outcome=outcome,
        tldr=tldr,
        branches=branches,
        outcome_tldrs=outcome_tldrs,
    )


def test_a_card_with_nothing_wrong_has_no_violations() -> None:
    assert violations() == []
    assert violations("experiment", "closed", outcome="succeeded", tldr="AUC 0.81") == []
    assert violations("data", "closed") == []  # only experiments need an outcome and a TLDR
    assert violations(None, "closed") == []
    own = BranchFacts("experiment/7-xgb", "experiment", False, None)
    assert violations(branches=(own,)) == []


def test_a_branch_of_another_kind_is_said_with_its_name() -> None:
    wrong = BranchFacts("data/7-prep", "data", False, None)
    assert violations(branches=(wrong,)) == [
        "branch data/7-prep is a data branch but #7 is an experiment"
    ]


@pytest.mark.parametrize(
    "branch",
    [
        BranchFacts("7-notes", "issue", False, None),
        BranchFacts("main", "collaboration", False, None),
        BranchFacts("feature/x", "invalid", False, "misnamed"),
    ],
)
def test_untyped_and_misnamed_branches_are_no_kind_mismatch(branch: BranchFacts) -> None:
    assert violations(branches=(branch,)) == []


def test_an_unclassified_card_has_no_kind_to_mismatch() -> None:
    assert violations(None, branches=(BranchFacts("data/7-prep", "data", False, None),)) == []


def test_a_branch_violation_recorded_by_the_scan_is_said_with_the_branch() -> None:
    ghost = BranchFacts("experiment/7-xgb", "experiment", False, "issue #7 does not exist")
    assert violations(branches=(ghost,)) == ["branch experiment/7-xgb: issue #7 does not exist"]


def test_a_merged_explore_branch_is_said_once() -> None:
    merged = BranchFacts("explore/7-eda", "explore", True, None)
    assert violations("explore", branches=(merged,)) == [MERGED_EXPLORE_SAID]


def test_a_merged_explore_branch_the_clone_scan_flagged_is_said_once() -> None:
    scanned = BranchFacts("explore/7-eda", "explore", True, MERGED_EXPLORE)
    assert violations("explore", branches=(scanned,)) == [MERGED_EXPLORE_SAID]
    data = BranchFacts("data/7-prep", "data", False, None)
    assert violations("explore", "closed", branches=(scanned, data)) == [
        MERGED_EXPLORE_SAID,
        "branch data/7-prep is a data branch but #7 is an explore",
    ]


def test_a_closed_experiment_without_outcome_or_tldr_is_told_both() -> None:
    assert violations("experiment", "closed") == [
        "experiment closed without an outcome (succeeded / failed label)",
        "experiment closed without a TLDR in its Results",
    ]
    assert violations("experiment", "closed", outcome="failed") == [
        "experiment closed without a TLDR in its Results"
    ]
    assert violations("experiment", "closed", tldr="no lift") == [
        "experiment closed without an outcome (succeeded / failed label)"
    ]


def test_an_outcome_logged_here_counts_before_its_label_is_on_github() -> None:
    assert violations("experiment", "closed", outcome_tldrs=("AUC 0.81",)) == []
    # logged without a TLDR: the outcome is there, the TLDR still missing
    assert violations("experiment", "closed", outcome_tldrs=("",)) == [
        "experiment closed without a TLDR in its Results"
    ]


def test_every_violation_of_a_card_is_said_once_in_order() -> None:
    branches = (
        BranchFacts("data/7-prep", "data", False, None),
        BranchFacts("model/7-x", "model", False, "issue #7 does not exist"),
    )
    assert violations("experiment", "closed", branches=branches) == [
        "branch data/7-prep is a data branch but #7 is an experiment",
        "branch model/7-x is a model branch but #7 is an experiment",
        "branch model/7-x: issue #7 does not exist",
        "experiment closed without an outcome (succeeded / failed label)",
        "experiment closed without a TLDR in its Results",
    ]


def test_a_merged_explore_branch_known_only_from_the_scan_is_still_said() -> None:
    from store.rules import MERGED_EXPLORE, BranchFacts, card_violations

    found = card_violations(
        number=4,
        kind="explore",
        state="open",
        outcome=None,
        tldr=None,
        branches=[BranchFacts("explore/4-x", "explore", False, MERGED_EXPLORE)],
        outcome_tldrs=[],
    )
    assert found == ["explore branch explore/4-x was merged: DSLP closes explore PRs unmerged"]
