"""The app on big mirrors and small screens: the palette, 5,000-card boards, long lists."""

from __future__ import annotations

from textual.widgets import Input, OptionList

from dslp_tui.screens.card import CardScreen
from store.db import Store
from tests.app_helpers import SIZE, app_for, open_board, rendered, settle


async def test_palette_jumps_to_a_card_by_number(demo_store: Store) -> None:
    app = app_for(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"churn 11")
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, CardScreen)
        assert (app.screen.repo, app.screen.number) == ("acme/churn-prediction", 11)


async def test_palette_finds_a_number_in_titles_too(demo_store: Store) -> None:
    app = app_for(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"2019")  # no card #2019: the title that holds it
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, CardScreen)
        assert app.screen.number == 2 and app.screen.repo == "acme/demand-forecast"


async def test_palette_scores_only_the_best_cards_of_a_big_mirror(store: Store) -> None:
    from dslp_tui.demo import _issue
    from dslp_tui.screens.palette import CARD_HITS, DslpCommands
    from store.mirror import ensure_repo, upsert_issues

    with store.session(write=True) as s:
        repo = ensure_repo(s, "big/project")
        assert repo.id is not None
        items = [_issue("big/project", n, f"Try {n}", ["Experiment"]) for n in range(1, 2001)]
        items[-1]["state"] = "closed"  # #2000: closed cards come after open ones
        upsert_issues(s, repo.id, items)
    app = app_for(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        palette = DslpCommands(app.screen)
        await palette.startup()
        hits = [hit.text async for hit in palette.search("try")]
        cards = [text for text in hits if text and "#" in text]
        assert len(cards) == CARD_HITS  # not 2,000 fuzzy matches while the user types
        assert cards[0] == "big/project#1999 Try 1999"
        exact = [h.text async for h in palette.search("#1234")]
        assert exact[:1] == ["big/project#1234 Try 1234"]


async def test_a_5000_card_board_pages_and_filters(store: Store) -> None:
    from dslp_tui.demo import _issue
    from dslp_tui.widgets.phase_column import CAP, PAGE
    from store.mirror import ensure_repo, upsert_issues

    with store.session(write=True) as s:
        repo = ensure_repo(s, "big/project")
        assert repo.id is not None
        items = [_issue("big/project", n, f"Try {n}", ["Experiment"]) for n in range(1, 5001)]
        upsert_issues(s, repo.id, items)
    app = app_for(store)
    async with app.run_test(size=SIZE) as pilot:
        board = await open_board(pilot)
        listing = board.query_one("#list-experiment", OptionList)
        assert listing.option_count == CAP + 1  # one page, then "N more"
        assert f"{5000 - CAP:,} more" in str(listing.get_option_at_index(CAP).prompt)
        assert board.focused is listing
        await pilot.press("end", "down")  # the cursor on "N more" shows the next page
        await pilot.pause()
        assert listing.option_count == CAP + PAGE + 1
        assert f"{5000 - CAP - PAGE:,} more" in str(listing.get_option_at_index(CAP + PAGE).prompt)
        assert board.selected_card() is not None
        # "more" became the page's first card (#4950); down went one further
        assert board.selected_card().number == 5000 - CAP - 1  # type: ignore[union-attr]
        board.query_one("#filter", Input).value = "#4321"
        await pilot.pause()
        assert listing.option_count == 1


async def test_a_column_taller_than_the_screen_draws_every_card_whole(store: Store) -> None:
    """Cards are wrapped at the width they are drawn at, scrollbar or not: no line is lost."""
    from dslp_tui.demo import _issue
    from store.mirror import ensure_repo, upsert_issues

    with store.session(write=True) as s:
        repo = ensure_repo(s, "big/project")
        assert repo.id is not None
        title = "Experiment: gradient boosting on segments ({})"
        items = [_issue("big/project", n, title.format(n), ["Experiment"]) for n in range(1, 41)]
        others = ["Ask", "Data", "Explore", "Model"]  # narrow columns: titles wrap a lot
        items += [_issue("big/project", 41 + i, "x", [label]) for i, label in enumerate(others)]
        upsert_issues(s, repo.id, items)
    app = app_for(store)
    async with app.run_test(size=SIZE) as pilot:
        board = await open_board(pilot)
        listing = board.query_one("#list-experiment", OptionList)
        assert listing.max_scroll_y > 0  # taller than the screen: a scrollbar
        lines = [line.strip() for line in rendered(listing).splitlines()]
        heads = [i for i, line in enumerate(lines) if line.startswith("○ #")]
        assert len(heads) >= 3
        for head in heads[1:]:  # every card's last line, then the rule, then the next card
            assert set(lines[head - 1]) == {"─"}, lines[head - 2 : head + 1]
            assert lines[head - 2].endswith(")"), lines[head - 2 : head + 1]


async def test_a_long_portfolio_ends_above_the_footer(demo_store: Store) -> None:
    from textual.widgets import DataTable, Footer

    from store.mirror import ensure_repo

    with demo_store.session(write=True) as s:
        for i in range(47):
            ensure_repo(s, f"team/project-{i:02d}")
    app = app_for(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        table = screen.query_one("#portfolio", DataTable)
        assert table.row_count == 50
        assert screen.query_one("#throughput").display  # the row that shows after the table
        assert table.region.bottom <= screen.query_one(Footer).region.y
        assert screen.max_scroll_y == 0  # the table scrolls, not the screen
        table.move_cursor(row=49)
        await pilot.pause()
        assert table.scroll_y + table.scrollable_content_region.height - 1 >= 49


async def test_the_focused_column_stays_in_view_when_the_preview_opens(demo_store: Store) -> None:
    app = app_for(demo_store)
    async with app.run_test(size=(80, 24)) as pilot:
        board = await open_board(pilot, row=2)  # acme/fraud-signals
        await pilot.press("h")  # from the first column round to the unclassified one
        await settle(pilot)
        focused = board.focused
        assert focused is not None and focused.id == "list-unclassified"
        columns = board.query_one("#columns").region
        assert columns.contains_region(focused.region)
        await pilot.press("p")
        await settle(pilot)
        columns = board.query_one("#columns").region
        assert columns.width < 80  # the preview took its share
        assert columns.contains_region(focused.region), (columns, focused.region)
