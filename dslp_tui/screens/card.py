"""A card's detail: lineage up and down, branches and PRs, outcomes, checklist, body, comments."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Markdown, OptionList, Static
from textual.widgets.option_list import Option

from dslp_tui.screens import card_steps
from dslp_tui.screens.base import DslpScreen
from dslp_tui.screens.model_dialog import ModelDialog, ModelForm
from dslp_tui.screens.outcome_dialog import OutcomeDialog, OutcomeForm
from dslp_tui.screens.text_prompt import TextPrompt
from dslp_tui.text import ago, safe
from dslp_tui.widgets.checklist import Checklist
from dslp_tui.widgets.nav_list import NavList
from dslp_tui.widgets.render import (
    KIND_SHORT,
    PENDING_SYNC,
    health_text,
    lit,
    outcome_badge,
    phase_title,
    state_icon,
)
from store.read.card import CardDetail, ChecklistView, LinkedCard, card_detail
from store.repos import get_repo


def _linked(arrow: str, card: LinkedCard) -> Text:
    text = Text.assemble((f"{arrow} ", "bold cyan"), state_icon(card.state), f" #{card.number} ")
    text.append(f"{KIND_SHORT.get(card.kind or '', '—'):<5} ", style="dim")
    text.append_text(lit(card.title))
    if card.outcome:
        text.append(" ")
        text.append_text(outcome_badge(card.outcome))
    return text


class CardScreen(DslpScreen):
    """Everything about one issue; lineage entries open the linked card."""

    BINDINGS = [
        Binding("l", "log_outcome", "Log outcome", id="log-outcome", tooltip="Experiment result"),
        Binding("b", "branch", "Branch", id="branch", tooltip="Create the card's DSLP branch"),
        Binding("a", "add_item", "Add item", id="add-item", tooltip="Add a checklist item"),
        Binding("u", "model_status", "Model status", id="model-status", tooltip="Status/health"),
        Binding("o", "browser", "Browser", id="browser", tooltip="Open the card on GitHub"),
        Binding("y", "copy", "Copy URL", id="copy", tooltip="Copy the card's GitHub URL"),
        Binding("g", "gates", "Gates", id="gates", show=False),
        Binding("j", "scroll(1)", "Down", show=False),
        Binding("k", "scroll(-1)", "Up", show=False),
    ]

    def __init__(self, repo: str, number: int) -> None:
        super().__init__()
        self.repo = repo
        self.number = number
        self.detail: CardDetail | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text(f"{safe(self.repo)} #{self.number}", style="bold"), id="screen-title")
        with VerticalScroll(id="card-body"):
            yield Static(id="card-header")
            yield Static(id="card-violations", classes="warning")
            yield Static(Text("Lineage", style="bold underline"), classes="section lineage")
            yield NavList(id="lineage")
            yield Static(id="card-model", classes="section")
            yield Static(id="checklist-title", classes="section checklist")
            yield Checklist(id="checklist")
            yield Static(id="card-branches", classes="section")
            yield Static(id="card-outcomes", classes="section")
            yield Static(Text("Issue body", style="bold underline"), classes="section")
            yield Markdown(id="card-markdown", open_links=False)
            yield Static(id="card-comments", classes="section")
        yield Footer()

    async def load(self) -> None:
        repo, number = self.repo, self.number
        try:
            detail = await self.dslp.read(lambda s: card_detail(s, repo, number))
        except LookupError as exc:
            self.notify(str(exc).strip("'\""), severity="error", markup=False)
            self.dismiss_later()
            return
        first = self.detail is None
        self.detail = detail
        await self.show(detail)
        self.refresh_bindings()
        if first:
            linked = detail.parents or detail.children
            # The lineage sits under the header: open at the top, header in view, whatever
            # the body's height turns out to be once its Markdown is laid out.
            self.query_one("#lineage" if linked else "#card-body").focus(scroll_visible=False)
            self.query_one("#card-body").scroll_home(animate=False, immediate=True)

    def dismiss_later(self) -> None:
        self.set_timer(0.01, self.action_back)

    async def show(self, d: CardDetail) -> None:
        now = self.dslp.now()
        header = Text.assemble((f"#{d.number} ", "bold"), lit(d.title, "bold"), "\n")
        header.append_text(state_icon(d.state))
        header.append(f" {d.state}")
        header.append(f"  ·  {d.kind or 'unclassified'}")
        if d.phase:
            header.append(f"  ·  {phase_title(d.phase)} phase")
        if d.author:
            header.append("  ·  by ")
            header.append_text(lit(d.author))
        if d.created_at:
            header.append(f"  ·  opened {ago(d.created_at, now)}")
        if d.outcome:
            header.append("  ")
            header.append_text(outcome_badge(d.outcome))
        if d.pending_sync:
            header.append(f"  {PENDING_SYNC}", style="bold yellow")
        if d.labels:
            header.append("\nlabels: ", style="dim")
            header.append_text(lit(", ".join(d.labels), "italic"))
        if d.tldr:
            header.append("\nTLDR: ", style="bold")
            header.append_text(lit(d.tldr))
        self.query_one("#card-header", Static).update(header)

        warn = self.query_one("#card-violations", Static)
        warn.update(Text("\n".join(f"⚠ {safe(v)}" for v in d.violations), style="bold yellow"))
        warn.display = bool(d.violations)

        lineage = self.query_one("#lineage", NavList)
        options = [Option(_linked("↑", c), id=str(c.number)) for c in d.parents]
        options += [Option(_linked("↓", c), id=str(c.number)) for c in d.children]
        if not options:
            options = [Option(Text("no Ask or experiment links", style="dim"), disabled=True)]
        lineage.set_options(options)

        model = self.query_one("#card-model", Static)
        if d.kind == "model" or d.model is not None:
            m = d.model
            text = Text("Model  ", style="bold")
            text.append(f"version {(m and m.version) or '—'}  ·  status {(m and m.status) or '—'}")
            text.append("  ·  health ")
            text.append_text(health_text(m.health if m else None))
            if "model" in d.pending_kinds:
                text.append(f"  {PENDING_SYNC}", style="bold yellow")
            text.append("   u sets status", style="dim")
            model.update(text)
        model.display = d.kind == "model" or d.model is not None

        is_model = d.kind == "model"
        checklist = self.query_one(Checklist)
        checklist.display = is_model
        title = self.query_one("#checklist-title", Static)
        title.display = is_model
        if is_model:
            done = sum(1 for i in d.checklist if i.done)
            heading = Text("Hand-off checklist", style="bold underline")
            heading.append(f"  {done}/{len(d.checklist)} done", style="bold")
            heading.append("   space ticks · a adds", style="dim")
            waiting = sum(1 for i in d.checklist if i.pending_sync)
            if waiting:
                heading.append(f"   {waiting} {PENDING_SYNC}", style="bold yellow")
            title.update(heading)
            checklist.show(d.checklist)

        self.query_one("#card-branches", Static).update(self._branches(d))
        outcomes = self.query_one("#card-outcomes", Static)
        outcomes.update(self._outcomes(d))
        outcomes.display = bool(d.outcomes) or d.kind == "experiment"
        await self.query_one(Markdown).update(
            safe(d.body, keep_newlines=True) or "*No description.*"
        )
        comments = self.query_one("#card-comments", Static)
        comments.update(self._comments(d))

    def _branches(self, d: CardDetail) -> Text:
        text = Text("Branches and pull requests\n", style="bold underline")
        if not d.branches and not d.pull_requests:
            text.append("none yet", style="dim")
            if d.suggested_branch:
                text.append("; by DSLP's naming it would be ", style="dim")
                text.append_text(lit(d.suggested_branch, "cyan"))
        for b in d.branches:
            text.append("⎇ ", style="cyan")
            text.append_text(lit(b.name, "cyan"))
            bits = [b.location, b.kind]
            if b.merged:
                bits.append("merged")
            if not b.pushed:
                bits.append("not pushed")
            if b.ahead is not None and b.behind is not None:
                bits.append(f"{b.ahead} ahead of {d.base_branch}, {b.behind} behind")
            text.append(f"  ({', '.join(bits)})", style="dim")
            if b.violation:
                text.append("  ⚠ ", style="yellow")
                text.append_text(lit(b.violation, "yellow"))
            text.append("\n")
        for pr in d.pull_requests:
            text.append("PR ", style="bold magenta")
            text.append(f"#{pr.number} ")
            text.append_text(lit(pr.title))
            draft = pr.draft and pr.state == "open"
            status = "merged" if pr.merged else "draft" if draft else pr.state
            into = f" · into {safe(pr.base)}" if pr.base and pr.base != d.base_branch else ""
            text.append(f"  ({status}{into})\n", style="dim")
        text.rstrip()
        return text

    def _outcomes(self, d: CardDetail) -> Text:
        now = self.dslp.now()
        text = Text("Outcomes\n", style="bold underline")
        if not d.outcomes:
            text.append("none logged yet: press l to log one", style="dim")
        for o in reversed(d.outcomes):
            text.append_text(outcome_badge(o.status))
            text.append(" ")
            text.append_text(lit(o.tldr))
            meta = f"  · {ago(o.created_at, now)}"
            if o.author:
                meta += f" · {safe(o.author)}"
            if o.github_login and o.github_login != o.author:
                meta += f" — recorded by @{safe(o.github_login)}"
            text.append(meta, style="dim")
            if o.pending_sync:
                text.append(f"  {PENDING_SYNC}", style="bold yellow")
            text.append("\n")
            if o.metrics:
                metrics = ", ".join(f"{safe(str(k))}={safe(str(v))}" for k, v in o.metrics.items())
                text.append(f"    metrics: {metrics}\n", style="dim")
            for link in o.run_links:
                text.append(f"    run: {safe(link)}\n", style="dim")
        text.rstrip()
        return text

    def _comments(self, d: CardDetail) -> Text:
        now = self.dslp.now()
        text = Text(f"Comments ({len(d.comments)})\n", style="bold underline")
        for c in d.comments:
            text.append_text(lit(c.author or "someone", "bold"))
            text.append(f"  {ago(c.created_at, now)}\n", style="dim")
            text.append_text(Text(safe(c.body, keep_newlines=True)))
            text.append("\n\n")
        text.rstrip()
        return text

    # -- events and actions ----------------------------------------------------------------

    @on(OptionList.OptionSelected, "#lineage")
    def _follow(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.dslp.open_card(self.repo, int(event.option.id))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        kind = self.detail.kind if self.detail else None
        if action == "log_outcome":
            return kind == "experiment"
        if action in ("add_item", "model_status"):
            return kind == "model"
        return super().check_action(action, parameters)

    def action_scroll(self, delta: int) -> None:
        self.query_one("#card-body").scroll_relative(y=delta * 2, animate=False)

    def action_browser(self) -> None:
        self.dslp.open_url(self.detail.html_url if self.detail else None)

    def action_copy(self) -> None:
        self.dslp.copy_url(self.detail.html_url if self.detail else None)

    def action_gates(self) -> None:
        self.dslp.open_gates(self.repo)

    def action_log_outcome(self) -> None:
        if self.detail is None or self.detail.kind != "experiment":
            return
        if self.dslp.refuse_write("an outcome"):
            return
        dialog = OutcomeDialog(
            self.number, self.detail.title, self.detail.outcome, preview=self._consequences
        )
        self.app.push_screen(dialog, self._save_outcome)

    async def _consequences(
        self, status: str, step: str | None, keep_open: bool, title: str | None
    ) -> list[str]:
        return await card_steps.consequences(self, status, step, keep_open, title)

    def _save_outcome(self, form: OutcomeForm | None) -> None:
        if form is not None:
            self.run_worker(self._write_outcome(form), group="write")

    async def _write_outcome(self, form: OutcomeForm) -> None:
        await card_steps.write_outcome(self, form)

    def action_branch(self) -> None:
        if self.detail is not None and not self.dslp.refuse_write("a branch"):
            self.run_worker(self._branch(), group="write")

    async def _branch(self) -> None:
        await card_steps.make_branch(self)

    @on(Checklist.Toggle)
    def _toggle(self, event: Checklist.Toggle) -> None:
        self.run_worker(self._write_checklist(event.item), group="write")

    async def _write_checklist(self, item: ChecklistView) -> None:
        from store.outbox import change_checklist, seed_checklist

        repo, number, actor = self.repo, self.number, self.dslp.config.user or None
        items = self.detail.checklist if self.detail else []
        # The shown list may hold body tasks and DSLP steps the store has not seen yet: store
        # them first (seeding is idempotent), so the item to tick is there to find.
        body_items = [(i.text, i.done) for i in items if i.origin == "body"]
        # The store matches all-digit text as a position: name such items by position.
        key = str(items.index(item) + 1) if item.text.isdigit() and item in items else item.text

        def write(session: object) -> None:
            r = get_repo(session, repo)  # type: ignore[arg-type]
            assert r.id is not None
            seed_checklist(session, r.id, number, body_items)  # type: ignore[arg-type]
            if not item.done:
                change_checklist(session, r, number, check=key, actor=actor)  # type: ignore[arg-type]
            else:
                change_checklist(session, r, number, uncheck=key, actor=actor)  # type: ignore[arg-type]

        await self.dslp.write(write)
        await self.reload_now()

    def action_add_item(self) -> None:
        if self.detail is None or self.detail.kind != "model":
            return
        if self.dslp.refuse_write("a checklist item"):
            return
        self.app.push_screen(TextPrompt("Add a hand-off checklist item"), self._add_item)

    def _add_item(self, text: str | None) -> None:
        if text:
            self.run_worker(self._write_add(text), group="write")

    async def _write_add(self, text: str) -> None:
        from store.outbox import change_checklist

        repo, number, actor = self.repo, self.number, self.dslp.config.user or None

        def write(session: object) -> None:
            change_checklist(session, get_repo(session, repo), number, add=text, actor=actor)  # type: ignore[arg-type]

        await self.dslp.write(write)
        await self.reload_now()

    def action_model_status(self) -> None:
        d = self.detail
        if d is None or d.kind != "model":
            return
        if self.dslp.refuse_write("a model status"):
            return
        m = d.model
        dialog = ModelDialog(
            d.number,
            d.title,
            status=m.status if m else None,
            health=m.health if m else None,
            version=m.version if m else None,
        )
        self.app.push_screen(dialog, self._save_model)

    def _save_model(self, form: ModelForm | None) -> None:
        if form is not None:
            self.run_worker(self._write_model(form), group="write")

    async def _write_model(self, form: ModelForm) -> None:
        from store.outbox import record_model_status

        repo, number, author = self.repo, self.number, self.dslp.config.user or None

        def write(session: object) -> bool:
            record_model_status(
                session,  # type: ignore[arg-type]
                get_repo(session, repo),  # type: ignore[arg-type]
                number,
                status=form.status,
                health=form.health,
                version=form.version,
                author=author,
            )
            return True

        if await self.dslp.write(write):
            what = ", ".join(
                f"{k} {v}" for k, v in (("status", form.status), ("health", form.health)) if v
            )
            self.notify(f"Model {what} saved (pending sync)", markup=False)
        await self.reload_now()
