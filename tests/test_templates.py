"""Issue templates: the real DSLP ones parse, broken ones fail in one line, links round-trip."""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import pytest

from store.issue_body import parse_body
from store.templates import (
    KINDS,
    Template,
    TemplateError,
    builtin_template,
    choose_template,
    fill_links,
    is_template_path,
    parse_template,
    render_issue,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "dslp" / "ISSUE_TEMPLATE"
PREFIX = ".github/ISSUE_TEMPLATE/"
# file -> (name, kind, title, labels), as the DSLP repository template has them.
EXPECTED = {
    "Ask.md": ("Ask", "ask", "", ("Ask",)),
    "Data.Aquisition.md": ("Data Acquistion", "data", "Get [name] Dataset", ("Data",)),
    "Data.Create.md": ("Create Dataset", "data", "Create [name] Dataset", ("Data",)),
    "Experiment.md": ("Experiment", "experiment", "", ("Experiment",)),
    "Explore.md": ("Explore", "explore", "", ("Explore",)),
    "Model.md": ("Model", "model", "Implement [name] model", ("Model",)),
}
MARKER = "<!-- dslp:model id=new-issue-1 -->"


def real(name: str, *, crlf: bool = False, bom: bool = False) -> Template:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    text = text.replace("\n", "\r\n") if crlf else text
    return parse_template(PREFIX + name, ("\ufeff" if bom else "") + text)


def all_templates() -> list[Template]:
    return [real(name) for name in EXPECTED] + [builtin_template(kind) for kind in KINDS]


def template_id(t: Template) -> str:
    return t.path.rsplit("/", 1)[-1] or f"builtin-{t.kind}"


def failure(path: str, text: str) -> str:
    with pytest.raises(TemplateError) as info:
        parse_template(path, text)
    message = str(info.value)
    assert "\n" not in message and "\r" not in message
    assert message.startswith(f"`{path}`: ") and "fix the file" in message
    return message


# --- parse_template -----------------------------------------------------------------------


def test_fixture_holds_every_template() -> None:
    assert sorted(p.name for p in FIXTURES.glob("*.md")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
@pytest.mark.parametrize("crlf", [False, True], ids=["lf", "crlf"])
def test_real_templates_parse(name: str, crlf: bool) -> None:
    t = real(name, crlf=crlf, bom=crlf)
    assert (t.name, t.kind, t.title, t.labels) == EXPECTED[name]
    assert t.path == PREFIX + name and not t.builtin
    assert t.body.startswith("#") and "---" not in t.body and "assignees" not in t.body
    assert ("\r\n" in t.body) == crlf and ("\n" not in t.body.replace("\r\n", "")) == crlf
    assert t.body.replace("\r\n", "\n") == real(name).body


def test_no_front_matter_takes_the_kind_from_the_file_name() -> None:
    t = parse_template(PREFIX + "experiment-v2.md", "\ufeff## Description\n\ntext\n")
    assert (t.kind, t.labels, t.title, t.name) == ("experiment", (), "", "experiment-v2")
    assert t.body == "## Description\n\ntext\n"
    assert parse_template(PREFIX + "Data.Create.md", "x").kind == "data"
    assert parse_template(PREFIX + "bug_report.md", "x").kind is None
    assert parse_template(PREFIX + "empty.md", "").body == ""


def test_labels_come_first_and_may_be_a_comma_string_or_a_list() -> None:
    t = parse_template(PREFIX + "Explore.md", "---\nlabels: 'Model, help, model, '\n---\nb\n")
    assert (t.kind, t.labels) == ("model", ("Model", "help"))
    t = parse_template(PREFIX + "x.md", "---\nlabels:\n  - Data\n  - 7\n  -\n  - true\n---\n")
    assert (t.kind, t.labels) == ("data", ("Data", "7", "True"))
    assert parse_template(PREFIX + "x.md", "---\nlabels:\n---\n").labels == ()


def test_non_string_values_are_read_as_text() -> None:
    t = parse_template(PREFIX + "x.md", "---\nname: 12\ntitle: 2024-01-31\nabout: [a]\n---\n")
    assert (t.name, t.title, t.kind) == ("12", "2024-01-31", None)
    assert parse_template(PREFIX + "Ask.md", "---\n---\n\nbody").body == "body"
    assert parse_template(PREFIX + "Ask.md", "---\n# only a comment\n---\nbody").name == "Ask"


def test_bad_yaml_names_the_line() -> None:
    message = failure(PREFIX + "Experiment.md", "---\nname: Experiment\nlabels: [a\n---\nbody\n")
    assert message.startswith(f"`{PREFIX}Experiment.md`: front matter is not valid YAML (line ")
    assert message.endswith("fix the file; until then the built-in Experiment skeleton is used")
    assert "(line 3" in failure(PREFIX + "Model.md", "---\r\nname: a\r\n\tb: : c\r\n---\r\n")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("---\n- Ask\n- Data\n---\nbody\n", "front matter is a list, not `key: value` lines"),
        ("---\njust words\n---\n", "front matter is a str, not `key: value` lines"),
        ("---\nname: Ask\nlabels: Ask\n\n## Problem\n", "never closed by a `---` line"),
        ("---", "never closed"),
        ("---\ntitle: [a, b]\n---\n", "`title` in the front matter must be text"),
        ("---\nlabels: {a: b}\n---\n", "`labels` in the front matter must be a name or a list"),
        ("---\nlabels: [[a]]\n---\n", "`labels` in the front matter must be text"),
        ("---\ntitle: 2024-13-45\n---\n", "front matter is not valid YAML"),
    ],
)
def test_malformed_front_matter_is_one_line(text: str, problem: str) -> None:
    message = failure(PREFIX + "Ask.md", text)
    assert problem in message and message.endswith("the built-in Ask skeleton is used")
    assert failure(PREFIX + "notes.md", text).endswith("until then it is not offered")


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (".github/ISSUE_TEMPLATE/Experiment.md", True),
        (".github/ISSUE_TEMPLATE/Data.Create.MD", True),
        ("./.github/issue_template/ask.md", True),
        (".github/ISSUE_TEMPLATE/config.yml", False),
        (".github/ISSUE_TEMPLATE/bug.yml", False),
        (".github/ISSUE_TEMPLATE/old/Ask.md", False),
        (".github/ISSUE_TEMPLATE/.md", False),
        (".github/ISSUE_TEMPLATE.md", False),
        ("docs/ISSUE_TEMPLATE/Ask.md", False),
    ],
)
def test_is_template_path(path: str, expected: bool) -> None:
    assert is_template_path(path) is expected


# --- built-ins and choice -----------------------------------------------------------------

SECTIONS = {
    "ask": [
        "Problem Statement",
        "Success Criteria",
        "Metrics",
        "Data Requirements",
        "Datasets",
        "Understanding and Exploration",
        "Approaches and Experiments",
    ],
    "data": ["Dataset Description", "Source system", "Known Issues"],
    "explore": ["Overview", "Goals", "Findings", "Next Steps"],
    "experiment": ["Description", "Metrics", "Assumptions", "Results"],
    "model": ["Description", "Steps"],
}


@pytest.mark.parametrize("kind", KINDS)
def test_builtin_skeletons(kind: str) -> None:
    t = builtin_template(kind)
    assert (t.kind, t.path, t.builtin, t.title) == (kind, "", True, "")
    assert t.labels == (kind.capitalize(),)
    assert re.findall(r"^#+ (.+)$", t.body, re.MULTILINE) == SECTIONS[kind]
    parsed = parse_body(t.body)
    assert parsed.refs == () and parsed.tldr is None
    assert bool(parsed.tasks) == (kind in ("explore", "model"))


def test_builtin_skeletons_do_not_copy_the_dslp_prose() -> None:
    # Headings and the link labels are the shared structure; the prose is ours.
    real_lines = {
        line.strip()
        for name in EXPECTED
        for line in real(name).body.splitlines()
        if len(line.strip()) > 30 and not line.startswith(("#", "***"))
    }
    for kind in KINDS:
        assert not real_lines & {line.strip() for line in builtin_template(kind).body.splitlines()}


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown DSLP kind 'deploy'"):
        builtin_template("deploy")


def test_choose_template_prefers_the_repository_in_path_order() -> None:
    repo = [real(name) for name in reversed(sorted(EXPECTED))]
    assert choose_template(repo, "data").path == PREFIX + "Data.Aquisition.md"
    assert choose_template(repo, "model").path == PREFIX + "Model.md"
    without_models = [t for t in repo if t.kind != "model"]
    assert choose_template(without_models, "model") == builtin_template("model")
    assert choose_template([], "ask").builtin


# --- fill_links ---------------------------------------------------------------------------


@pytest.mark.parametrize("t", all_templates(), ids=template_id)
@pytest.mark.parametrize("crlf", [False, True], ids=["lf", "crlf"])
def test_fill_links_round_trips_through_parse_body(t: Template, crlf: bool) -> None:
    assert t.kind is not None
    body = t.body.replace("\n", "\r\n") if crlf else t.body
    filled = fill_links(body, t.kind, ask=41, based_on=42)
    parsed = parse_body(filled)
    assert (parsed.ask_refs, parsed.experiment_refs) == ((41,), (42,))
    assert parse_body(fill_links(body, t.kind, ask=41)).ask_refs == (41,)
    if crlf:
        assert "\n" not in filled.replace("\r\n", "")
    # Only labelled lines change; the rest of the template is kept line for line.
    diff = difflib.ndiff(body.splitlines(), filled.splitlines())
    removed = [line[2:] for line in diff if line.startswith("- ")]
    assert all("Reference:" in line or "Based on Experiment:" in line for line in removed)
    assert fill_links(filled, t.kind, ask=41, based_on=42) == filled
    assert fill_links(body, t.kind) == body


def test_fill_links_replaces_each_placeholder_in_place() -> None:
    experiment = fill_links(real("Experiment.md").body, "experiment", ask=7)
    assert "\n***Ask Reference:*** #7\n" in experiment
    model = fill_links(real("Model.md", crlf=True).body, "model", ask=7, based_on=9)
    # The template's trailing double spaces (hard breaks) survive.
    assert "***Ask Reference:*** #7  \r\n***Based on Experiment:*** #9  \r\n" in model
    half = fill_links(real("Model.md").body, "model", based_on=9)
    assert "[link-to-ask-this-is-addressing]" in half and "#9" in half


def test_fill_links_inserts_after_the_first_heading() -> None:
    data = fill_links(real("Data.Aquisition.md").body, "data", ask=3)
    assert data.startswith("## Dataset Description\n\n***Ask Reference:*** #3\n\nExplain what")
    create = fill_links(real("Data.Create.md", crlf=True).body, "data", ask=3)
    assert create.startswith("# Dataset Name\r\n\r\n***Ask Reference:*** #3\r\n\r\nGive your")
    assert fill_links("# T\nx\n", "explore", ask=3) == "# T\n***Ask Reference:*** #3\n\nx\n"
    assert fill_links("no heading\n", "explore", ask=3) == "***Ask Reference:*** #3\n\nno heading\n"
    assert fill_links("", "data", ask=3) == "***Ask Reference:*** #3\n"


def test_fill_links_ignores_labels_in_code() -> None:
    body = "## D\n\n```\n***Ask Reference:*** #link\n```\n"
    filled = fill_links(body, "experiment", ask=5)
    assert "```\n***Ask Reference:*** #link\n```" in filled
    assert parse_body(filled).ask_refs == (5,)


# --- render_issue -------------------------------------------------------------------------


@pytest.mark.parametrize("t", all_templates(), ids=template_id)
def test_render_issue(t: Template) -> None:
    assert t.kind is not None
    body, labels = render_issue(
        t, title="Churn model", kind=t.kind, ask=10, based_on=11, marker=MARKER
    )
    assert body.endswith(f"\n\n{MARKER}") and body.count(MARKER) == 1
    assert parse_body(body).ask_refs == (10,)
    assert labels == [t.kind.capitalize()]


def test_render_issue_adds_the_kind_label_once() -> None:
    bare = Template("p.md", "p", None, "", ("help", "HELP", "Deploy"), "text\r\n")
    body, labels = render_issue(
        bare, title="t", kind="model", ask=None, based_on=None, marker=MARKER
    )
    assert (body, labels) == (f"text\r\n\r\n{MARKER}", ["help", "Deploy", "Model"])
    lower = Template("p.md", "p", "model", "", ("model",), "")
    assert render_issue(lower, title="t", kind="model", ask=None, based_on=None, marker=MARKER) == (
        MARKER,
        ["model"],
    )
    edited, _ = render_issue(bare, title="t", kind="model", ask=None, based_on=None, marker=MARKER)
    again = Template("p.md", "p", "model", "", (), edited.replace("text", "new text"))
    assert render_issue(again, title="t", kind="model", ask=3, based_on=None, marker=MARKER)[0] == (
        f"***Ask Reference:*** #3\r\n\r\nnew text\r\n\r\n{MARKER}"
    )
    with pytest.raises(ValueError, match="title"):
        render_issue(lower, title=" ", kind="model", ask=None, based_on=None, marker=MARKER)
    with pytest.raises(ValueError, match="marker"):
        render_issue(lower, title="t", kind="model", ask=None, based_on=None, marker="a\nb")
