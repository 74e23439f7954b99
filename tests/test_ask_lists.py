"""The Ask's lists of its issues: one line changed or added, every other byte kept."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from store.ask_lists import ASK_SECTIONS, MAX_ITEM_CHARS, ask_item_text, set_ask_item
from store.issue_body import parse_body
from store.templates import builtin_template, parse_template

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "dslp" / "ISSUE_TEMPLATE" / "Ask.md"
ASK = parse_template("Ask.md", FIXTURE.read_text(encoding="utf-8")).body
EXPERIMENTS = "Approaches and Experiments"
_LINES = re.compile(r"\r\n|\r|\n")


def lines(text: str) -> list[str]:
    return _LINES.split(text)


def section_of(body: str, line: str) -> str:
    """The heading text above the first occurrence of `line` in body."""
    above = lines(body)[: lines(body).index(line)]
    return next(h.lstrip("#").strip() for h in reversed(above) if h.startswith("#"))


def changed(before: str, after: str) -> list[tuple[str, str]]:
    """Pairs of differing lines, for edits that keep the line count."""
    old, new = lines(before), lines(after)
    assert len(old) == len(new)
    return [(a, b) for a, b in zip(old, new, strict=True) if a != b]


# --- set_ask_item on the real Ask template --------------------------------------------------


@pytest.mark.parametrize(("kind", "section"), sorted(ASK_SECTIONS.items()))
def test_adds_under_the_right_heading_after_the_placeholders(kind: str, section: str) -> None:
    text = ask_item_text(kind, 12, "Churn features")
    body = set_ask_item(ASK, section, 12, text)
    assert section_of(body, f"- {text}") == section
    old, new = lines(ASK), lines(body)
    at = new.index(f"- {text}")
    assert new[:at] + new[at + 1 :] == old
    assert new[at - 1].startswith("- link") and new[at + 1] == ""
    assert set_ask_item(body, section, 12, text) == body
    assert 12 in parse_body(body).refs


def test_second_call_replaces_the_line() -> None:
    first = set_ask_item(ASK, EXPERIMENTS, 12, "#12 Gradient boosting")
    both = set_ask_item(first, EXPERIMENTS, 13, "#13 Logistic baseline")
    assert "- #12 Gradient boosting\n- #13 Logistic baseline\n\n## See Also" in both
    text = ask_item_text("experiment", 12, "Gradient boosting", outcome="failed", tldr="no lift")
    done = set_ask_item(both, EXPERIMENTS, 12, text)
    assert changed(both, done) == [
        ("- #12 Gradient boosting", "- #12 Gradient boosting — failed: no lift")
    ]
    assert set_ask_item(done, EXPERIMENTS, 12, text) == done


def test_crlf_is_kept() -> None:
    crlf = ASK.replace("\n", "\r\n")
    body = set_ask_item(crlf, "datasets ##", 4, "#4 Usage events v2")
    assert "\n" not in body.replace("\r\n", "")
    assert body.replace("\r\n", "\n") == set_ask_item(ASK, "Datasets", 4, "#4 Usage events v2")
    again = set_ask_item(body, "Datasets", 4, "#4 Usage events v3")
    assert changed(body, again) == [("- #4 Usage events v2", "- #4 Usage events v3")]
    assert again.count("\r\n") == body.count("\r\n")


def test_code_fences_are_never_edited_nor_read() -> None:
    fence = "```\n## Approaches and Experiments\n\n- #12 in code\n```\n"
    body = ASK.replace("## Solution Architecture", fence + "\n## Solution Architecture")
    body = body.replace("- links to experiment issues", "- links to experiment issues\n\n`#12`\n")
    result = set_ask_item(body, EXPERIMENTS, 12, "#12 Real item")
    assert fence in result and "`#12`" in result
    assert section_of(result, "- #12 Real item") == EXPERIMENTS


def test_missing_section_is_appended() -> None:
    body = "## Problem Statement\n\nWhy.\n"
    result = set_ask_item(body, EXPERIMENTS, 5, "#5 First try")
    assert result == body + "\n## Approaches and Experiments\n\n- #5 First try\n"
    assert set_ask_item(result, EXPERIMENTS, 5, "#5 First try") == result
    assert set_ask_item("Why.", "Datasets", 5, "#5 d") == "Why.\n\n## Datasets\n\n- #5 d\n"
    assert set_ask_item(None, "Datasets", 5, "#5 d") == "## Datasets\n\n- #5 d\n"
    # An unclosed fence or comment would swallow the new section: it is closed first.
    assert set_ask_item("```\nx", "Datasets", 5, "#5 d").startswith("```\nx\n```\n")
    assert set_ask_item("<!-- x\n", "Datasets", 5, "#5 d").startswith("<!-- x\n-->\n")


def test_a_colleagues_edits_are_kept() -> None:
    body = (
        ASK.replace("- links to experiment issues", "* #3 Hand-written note  \n  * #9 nested")
        .replace("Describe the problem", "Churn is up 4% (see #3).\n\nDescribe the problem")
        .replace("## See Also", "Discussed on Monday.\n\n## See Also")
    )
    result = set_ask_item(body, EXPERIMENTS, 9, "#9 Nested, renamed")
    assert changed(body, result) == [("  * #9 nested", "  * #9 Nested, renamed")]
    added = set_ask_item(result, EXPERIMENTS, 11, "#11 New")
    assert "* #3 Hand-written note  \n  * #9 Nested, renamed\n* #11 New\n\nDiscussed" in added
    replaced = set_ask_item(added, EXPERIMENTS, 3, "#3 Renamed")
    assert changed(added, replaced) == [("* #3 Hand-written note  ", "* #3 Renamed")]
    # The reference in Problem Statement is outside the section and is not touched.
    assert "Churn is up 4% (see #3)." in replaced


def test_list_shapes() -> None:
    ordered = "## Datasets\n\n1. #1 a\n2. b\n\nText\n"
    assert set_ask_item(ordered, "Datasets", 7, "#7 d") == (
        "## Datasets\n\n1. #1 a\n2. b\n3. #7 d\n\nText\n"
    )
    tasks = "## Datasets\n- [x] #7 old\n- [ ] #8 other\n"
    assert (
        set_ask_item(tasks, "Datasets", 7, "#7 new")
        == "## Datasets\n- [x] #7 new\n- [ ] #8 other\n"
    )
    no_list = "Datasets\n========\nProse.\n## Next\n"
    assert set_ask_item(no_list, "datasets", 2, "#2 x") == (
        "Datasets\n========\n\n- #2 x\n\nProse.\n## Next\n"
    )
    tail = "## Datasets\n- a\nlazy\n## Next"
    assert set_ask_item(tail, "Datasets", 2, "#2 x") == "## Datasets\n- a\nlazy\n- #2 x\n\n## Next"
    # The section ends at the next heading of its level or higher, not at a subheading.
    nested = "## Datasets\n### Old\n- #2 x\n## Next\n- #2 x\n"
    assert (
        set_ask_item(nested, "Datasets", 2, "#2 y")
        == "## Datasets\n### Old\n- #2 y\n## Next\n- #2 x\n"
    )
    assert set_ask_item("## Datasets", "Datasets", 2, "#2 x") == "## Datasets\n\n- #2 x"


def test_builtin_ask_skeleton() -> None:
    body = builtin_template("ask").body
    result = set_ask_item(body, "Datasets", 4, "#4 Usage events")
    assert "### Datasets\n\n- #4 Usage events\n\n<!-- Data issues" in result
    assert set_ask_item(result, "Datasets", 5, "#5 More").count("- #") == 2


@pytest.mark.parametrize("text", ["no reference", "`#12` in code", "#120 other", "# 12", ""])
def test_text_must_reference_the_issue(text: str) -> None:
    with pytest.raises(ValueError, match="must reference #12"):
        set_ask_item(ASK, EXPERIMENTS, 12, text)


def test_bodies_over_githubs_limit_are_refused() -> None:
    with pytest.raises(ValueError, match="over 65536"):
        set_ask_item("x" * 70_000, EXPERIMENTS, 1, "#1 a")


# --- ask_item_text --------------------------------------------------------------------------


def test_ask_item_text() -> None:
    title = "Gradient boosting\non usage   features"
    assert ask_item_text("experiment", 12, title) == "#12 Gradient boosting on usage features"
    assert ask_item_text(
        "experiment", 12, title, outcome="Failed", tldr="AUC 0.61;\n\nno lift"
    ) == ("#12 Gradient boosting on usage features — failed: AUC 0.61; no lift")
    assert ask_item_text("explore", 3, "Seasonality", tldr="weekly cycle") == (
        "#3 Seasonality — weekly cycle"
    )
    assert ask_item_text("data", 4, "Events", outcome="On-Hold") == "#4 Events — on hold"
    assert ask_item_text("data", 4, "  ") == "#4"
    long = ask_item_text("experiment", 12, "word " * 200)
    assert len(long) < MAX_ITEM_CHARS and long.endswith("word…") and long.startswith("#12 word")
    with pytest.raises(ValueError):
        ask_item_text("deploy", 12, "x")


# --- the property ---------------------------------------------------------------------------

_MD = MarkdownIt("commonmark").enable(["table", "strikethrough"])
_line = st.text(st.characters(blacklist_characters="\r\n", blacklist_categories=("Cs",)))
_texts = st.lists(_line, max_size=5)


def section_bounds(body: str, title: str) -> tuple[int, int] | None:
    """Oracle: source lines [start, end) of the first top-level heading `title` and its body."""
    tokens = _MD.parse(body)
    heads = [
        (t.map[0], int(t.tag[1:]), tokens[i + 1].content.strip())
        for i, t in enumerate(tokens)
        if t.type == "heading_open" and t.level == 0 and t.map
    ]
    for n, (start, level, text) in enumerate(heads):
        if text.casefold() == title.casefold():
            ends = [line for line, other, _ in heads[n + 1 :] if other <= level]
            return start, ends[0] if ends else len(lines(body))
    return None


@settings(max_examples=300, deadline=None)
@given(
    before=_texts,
    inside=_texts,
    after=_texts,
    title=_line,
    number=st.integers(1, 10**6),
    crlf=st.booleans(),
)
def test_idempotent_and_local(
    before: list[str], inside: list[str], after: list[str], title: str, number: int, crlf: bool
) -> None:
    body = (
        ASK.replace("## Success Criteria", "\n".join([*before, "", "## Success Criteria"]))
        .replace(
            "- links to experiment issues", "\n".join(["- links to experiment issues", *inside])
        )
        .replace("### Related Projects", "\n".join([*after, "", "### Related Projects"]))
    )
    body = body.replace("\n", "\r\n") if crlf else body
    text = ask_item_text("experiment", number, title)
    result = set_ask_item(body, EXPERIMENTS, number, text)
    assert set_ask_item(result, EXPERIMENTS, number, text) == result
    old, new = lines(body), lines(result)
    bounds = section_bounds(body, EXPERIMENTS)
    if bounds is None:
        assert result.startswith(body.rstrip())
        return
    start, end = bounds
    assert new[:start] == old[:start]
    assert new[len(new) - (len(old) - end) :] == old[end:]
    assert any(line.endswith(text) for line in new[start:])
