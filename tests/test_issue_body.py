"""Issue-body parsing and editing, checked against the real DSLP issue templates."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from store.issue_body import (
    MAX_BODY_CHARS,
    ParsedBody,
    Task,
    add_task,
    parse_body,
    set_task,
)

# Copied from the DSLP repository (see tests/fixtures/dslp/README.md): a missing file fails.
TEMPLATES = Path(__file__).resolve().parent / "fixtures" / "dslp" / "ISSUE_TEMPLATE"
TEMPLATE_NAMES = [
    "Ask.md",
    "Data.Aquisition.md",
    "Data.Create.md",
    "Experiment.md",
    "Explore.md",
    "Model.md",
]


def test_fixture_holds_every_template() -> None:
    assert sorted(p.name for p in TEMPLATES.glob("*.md")) == sorted(TEMPLATE_NAMES)
    assert (TEMPLATES.parent / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")


def template(name: str) -> str:
    return (TEMPLATES / name).read_text(encoding="utf-8")


def as_github_sends(text: str) -> str:
    """GitHub drops the YAML front matter when it fills an issue from a template."""
    if text.startswith("---\n"):
        end = text.index("\n---", 4)
        return text[end + 4 :].lstrip("\n")
    return text


# --- the real templates -------------------------------------------------------------------


@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_every_template_parses_without_refs_or_tldr(name: str) -> None:
    for text in (template(name), as_github_sends(template(name))):
        parsed = parse_body(text)
        # Placeholders such as "#link-to-ask-issue" and "[link-to-...]" are not references.
        assert parsed.refs == () and parsed.ask_refs == () and parsed.experiment_refs == ()
        assert parsed.tldr is None


def test_explore_template_has_two_open_goals() -> None:
    text = template("Explore.md")
    tasks = parse_body(text).tasks
    assert [(t.text, t.done) for t in tasks] == [("Question you plan to answer", False)] * 2
    lines = text.splitlines()
    assert [lines[t.line] for t in tasks] == ["- [ ] Question you plan to answer"] * 2


def test_model_template_has_three_steps() -> None:
    tasks = parse_body(as_github_sends(template("Model.md"))).tasks
    assert tasks == (
        Task("Parametrize model inputs and parameters", False, 13),
        Task("Define and create API schema for model consumption", False, 14),
        Task("Profile model performance characteristics", False, 15),
    )


def test_templates_without_tasks() -> None:
    for name in ("Ask.md", "Data.Aquisition.md", "Data.Create.md", "Experiment.md"):
        assert parse_body(template(name)).tasks == (), name


def test_filled_experiment() -> None:
    body = (
        as_github_sends(template("Experiment.md"))
        .replace("#link-to-ask-issue", "#12")
        .replace(
            "Summarize the results of this experiment (tldr).",
            "Gradient boosting beat the baseline by 3 AUC points.\n\nNext: tune depth, see #40.",
        )
        .replace("[Link to pull request where experiment was tried]", "#41")
    )
    parsed = parse_body(body)
    assert parsed.ask_refs == (12,)
    assert parsed.experiment_refs == ()
    assert parsed.refs == (12, 41, 40)
    assert parsed.tldr == (
        "Gradient boosting beat the baseline by 3 AUC points.\nNext: tune depth, see #40."
    )


def test_experiment_with_only_metadata_filled_has_no_tldr() -> None:
    body = as_github_sends(template("Experiment.md")).replace(
        "[Link to experiment tracking source if applicable]", "https://mlflow.example/run/9"
    )
    assert parse_body(body).tldr is None


WEB = "https://github.com"  # the host in links people paste into bodies; never fetched


def test_filled_model_with_urls() -> None:
    body = (
        as_github_sends(template("Model.md"))
        .replace("[link-to-ask-this-is-addressing]", f"{WEB}/acme/churn/issues/3")
        .replace(
            "[link-to-experiment-issue-this-was-created-from]",
            f"[exp]({WEB}/acme/churn/issues/9) and #10",
        )
        .replace("- [ ] Profile", "- [x] Profile")
    )
    parsed = parse_body(body)
    assert parsed.ask_refs == (3,)
    assert parsed.experiment_refs == (9, 10)
    assert [t.done for t in parsed.tasks] == [False, False, True]
    assert parse_body(body, repo="acme/churn").experiment_refs == (9, 10)
    assert parse_body(body, repo="other/repo").experiment_refs == (10,)


# --- references ---------------------------------------------------------------------------


def test_refs_skip_code_html_and_foreign_forms() -> None:
    body = (
        "See #1, (#2) and #3.\n\n"
        "`#4` is code, so is\n\n```\n#5\n```\n\n    #6 indented code\n\n"
        "<!-- #7 in a comment -->\n\n"
        "other/repo#8, issue#9, #0, #10abc, [anchor](#11), &#12; and "
        "https://github.com/o/n/pull/13 then #1 again.\n\n## Heading #14\n"
    )
    assert parse_body(body).refs == (1, 2, 3, 13, 14)


def test_labelled_refs_need_the_same_line() -> None:
    body = "**Ask Reference:**\n#5\n\n_Based on Experiment:_ #6 #7\n\n- Ask reference: #8\n"
    parsed = parse_body(body)
    assert parsed.ask_refs == (8,)
    assert parsed.experiment_refs == (6, 7)
    assert parsed.refs == (5, 6, 7, 8)


# --- TLDR ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "tldr"),
    [
        ("Intro.\n\nTLDR: it works\nacross folds.\n", "it works across folds."),
        ("**TL;DR:** churn is seasonal.\n\n## Results\n\nlong text\n", "churn is seasonal."),
        ("tl;dr:\n\nThe next paragraph.\n", "The next paragraph."),
        ("## TL;DR\n\nShort.\n\n## Results\n\nLong.\n", "Short."),
        ("## Results\n\nOne.\n\n- two\n\n## Next\n\nnot this\n", "One.\ntwo"),
        ("## Results\n\n```\ncode only\n```\n", None),
        ("No template here, just #3.", None),
        ("Results\n-------\n\nSetext works. \n", "Setext works."),
    ],
)
def test_tldr(body: str, tldr: str | None) -> None:
    assert parse_body(body).tldr == tldr


# --- tasks --------------------------------------------------------------------------------


def test_task_shapes() -> None:
    body = (
        "- [ ] plain\n"
        "* [X] upper\n"
        "1. [x] ordered\n"
        "> - [ ] quoted\n"
        "- outer\n  - [ ] nested\n"
        "- [ ]\n"
        "- [ ]no-space\n"
        "- [ ] two\n  lines\n"
        "```\n- [ ] fenced\n```\n"
        "[ ] not a list item\n"
    )
    tasks = parse_body(body).tasks
    assert [(t.text, t.done, t.line) for t in tasks] == [
        ("plain", False, 0),
        ("upper", True, 1),
        ("ordered", True, 2),
        ("quoted", False, 3),
        ("nested", False, 5),
        ("two lines", False, 8),
    ]


@pytest.mark.parametrize("body", [None, "", "   \n\n", "\x00", "\r\r\n\r"])
def test_empty_bodies(body: str | None) -> None:
    assert parse_body(body) == ParsedBody((), (), None, (), ())


def test_a_one_megabyte_body_is_read_up_to_githubs_limit() -> None:
    chunk = as_github_sends(template("Explore.md")) + "\nSee #12 and `#13`.\n\n- [x] done #14\n"
    body = (chunk * (1_000_000 // len(chunk) + 1))[:1_000_000]
    parsed = parse_body(body)
    assert parsed.refs == (12, 14)
    # Only GitHub's maximum body length is read: no task beyond it is reported.
    assert parsed.tasks and max(t.line for t in parsed.tasks) < body[:MAX_BODY_CHARS].count("\n")
    assert set_task(body, "done #14", False) is not None


def test_tasks_beyond_the_github_limit_are_not_read() -> None:
    body = "x\n" * (MAX_BODY_CHARS // 2 + 10) + "- [ ] late\n"
    assert parse_body(body).tasks == ()
    assert set_task(body, "late", True) is None


# --- set_task -----------------------------------------------------------------------------


def test_set_task_changes_one_byte_and_keeps_crlf() -> None:
    body = as_github_sends(template("Model.md")).replace("\n", "\r\n")
    changed = set_task(body, "  Define and create   API schema for model consumption ", True)
    assert changed is not None and len(changed) == len(body)
    diff = [i for i, (a, b) in enumerate(zip(body, changed, strict=True)) if a != b]
    assert len(diff) == 1 and changed[diff[0]] == "x"
    assert "- [x] Define and create API schema for model consumption\r\n" in changed
    assert changed.count("\r\n") == body.count("\r\n")
    assert set_task(changed, "Define and create API schema for model consumption", False) == body


def test_set_task_missing_or_already_set() -> None:
    body = "- [x] a\n\n`- [ ] b`\n"
    assert set_task(body, "b", True) is None
    assert set_task(body, "", True) is None
    assert set_task(body, "a", True) == body
    assert set_task(body, "a", False) == "- [ ] a\n\n`- [ ] b`\n"


def test_set_task_duplicates_tick_one_at_a_time() -> None:
    body = as_github_sends(template("Explore.md"))
    once = set_task(body, "Question you plan to answer", True)
    assert once is not None
    assert [t.done for t in parse_body(once).tasks] == [True, False]
    twice = set_task(once, "Question you plan to answer", True)
    assert twice is not None
    assert [t.done for t in parse_body(twice).tasks] == [True, True]
    assert set_task(twice, "Question you plan to answer", True) == twice


# --- add_task -----------------------------------------------------------------------------


def test_add_task_joins_the_final_task_list() -> None:
    body = as_github_sends(template("Model.md"))
    added = add_task(body, "Write the\nrelease plan ")
    assert added == body.replace(
        "characteristics\n", "characteristics\n- [ ] Write the release plan\n"
    )
    assert parse_body(added).tasks[-1] == Task("Write the release plan", False, 16)


def test_add_task_ordered_list_and_crlf() -> None:
    body = "Steps:\r\n\r\n1) [x] one\r\n2) [ ] two\r\n\r\n"
    assert (
        add_task(body, "three") == "Steps:\r\n\r\n1) [x] one\r\n2) [ ] two\r\n3) [ ] three\r\n\r\n"
    )


def test_add_task_starts_a_new_list_after_other_content() -> None:
    assert add_task(None, "first") == "- [ ] first"
    assert add_task("  \n", "first") == "- [ ] first"
    assert add_task("Some text.\n", "next") == "Some text.\n\n- [ ] next\n"
    assert add_task("- plain item", "next") == "- plain item\n\n- [ ] next"
    body = as_github_sends(template("Explore.md"))
    added = add_task(body, "New goal")
    assert added.startswith(body.rstrip())
    assert [t.text for t in parse_body(added).tasks][-1] == "New goal"


def test_add_task_escapes_an_unclosed_fence() -> None:
    added = add_task("Log:\n\n```\ntraceback\n", "fix it")
    assert parse_body(added).tasks == (Task("fix it", False, 6),)
    assert added.startswith("Log:\n\n```\ntraceback\n```")


def test_add_task_rejects_empty_text() -> None:
    with pytest.raises(ValueError):
        add_task("body", " \n ")


# --- properties ---------------------------------------------------------------------------

MARKDOWNISH = st.text(alphabet="- *[]xX>#`~\n\r\t12ab:|_()!<", max_size=300)


@settings(max_examples=300)
@given(st.one_of(st.text(max_size=400), MARKDOWNISH))
def test_parse_body_never_raises(body: str) -> None:
    parsed = parse_body(body)
    line_count = body.count("\n") + body.count("\r") - body.count("\r\n") + 1
    for task in parsed.tasks:
        assert 0 <= task.line < line_count and task.text


@settings(max_examples=300)
@given(st.one_of(st.text(max_size=400), MARKDOWNISH))
def test_every_parsed_task_can_be_toggled(body: str) -> None:
    tasks = parse_body(body).tasks
    for task in tasks:
        changed = set_task(body, task.text, not task.done)
        assert changed is not None and len(changed) == len(body)


@given(
    st.lists(st.text(alphabet="abc xyz.,", min_size=1, max_size=12), min_size=1, max_size=6),
    st.text(max_size=120),
    st.text(max_size=120),
    st.sampled_from(["\n", "\r\n"]),
    st.data(),
)
def test_set_task_round_trip(
    texts: list[str], before: str, after: str, nl: str, data: st.DataObject
) -> None:
    unique = list(dict.fromkeys(" ".join(t.split()) for t in texts if t.strip()))
    if not unique:
        return
    task_lines = nl.join(f"- [ ] {t}" for t in unique)
    body = f"{before}{nl}{nl}{task_lines}{nl}{nl}{after}"
    present = [t.text for t in parse_body(body).tasks if t.text in unique]
    if not present:  # `before` may have opened a code block that swallows the list
        return
    target = data.draw(st.sampled_from(present))
    ticked = set_task(body, target, True)
    assert ticked is not None and ticked != body
    assert set_task(ticked, target, False) == body


@given(
    st.text(alphabet="- *[]xX>#\n12ab:_!", max_size=200),
    st.text(alphabet="abc XYZ.,*#", min_size=1, max_size=30).filter(str.strip),
)
def test_add_task_lands_as_the_last_open_task(body: str, text: str) -> None:
    before = parse_body(body).tasks
    after = parse_body(add_task(body, text)).tasks
    assert after[-1].text == " ".join(text.split()) and not after[-1].done
    assert [(t.text, t.done) for t in after[:-1]] == [(t.text, t.done) for t in before]
