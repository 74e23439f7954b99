"""The comments dslp writes on GitHub: what people typed shows as typed, never as Markdown."""

from __future__ import annotations

import re

from markdown_it import MarkdownIt

from store.markers import parse_comment, render_comment

GFM = MarkdownIt("gfm-like")
TYPED = "AUC on <label> *x* @bob [a](b) 0_81_x | `code` # not a heading"


def shown(html: str) -> str:
    """The text a reader sees: tags out, entities back."""
    text = re.sub(r"<[^>]+>", "", html)
    return (
        text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")
    )


def test_an_outcome_reads_as_typed_and_its_links_stay_out_of_the_table() -> None:
    data = {
        "status": "succeeded",
        "tldr": TYPED,
        "metrics": {"auc": 0.81},
        "params": {"model": "lgbm"},
        "run_links": ["https://mlflow.example/r/1_a", "https://mlflow.example/r/2"],
        "commit": "abc123",
    }
    source = render_comment("outcome", "o1", data)
    html = GFM.render(source)
    assert f"TLDR: {TYPED}" in shown(html)
    assert "<em>" not in html and "<code>" not in html and "<h1>" not in html
    readable = source.split("<!-- dslp:")[0]
    assert "@bob" not in readable  # &#64;bob reads as @bob on GitHub but notifies nobody
    rows = re.findall(r"<tr>.*?</tr>", html, flags=re.S)
    assert len(rows) == 2 and all("Run" not in row for row in rows)  # header + auc
    assert '<a href="https://mlflow.example/r/1_a">' in html
    (entry,) = parse_comment(render_comment("outcome", "o1", data))
    assert entry.data["tldr"] == TYPED  # the data line keeps the text exactly


def test_a_signoff_note_with_html_is_text() -> None:
    data = {"gate": "data", "decision": "approved", "by": "Eve [b]CFO[/b]", "note": "<b>x</b>"}
    html = GFM.render(render_comment("signoff", "s1", data))
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html
    assert "Eve [b]CFO[/b]" in shown(html)
