"""Schema migrations, run automatically whenever the mirror is opened.

Alembic is configured in code (no alembic.ini to lose) and imported only when the database is
behind: opening an up-to-date mirror reads one row and costs nothing at start-up.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

from store.errors import StoreError

if TYPE_CHECKING:
    from alembic.config import Config

# The newest revision in store/migrations/versions; a test holds it equal to Alembic's head.
HEAD_REVISION = "0006"

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def alembic_config(engine: Engine) -> Config:
    """Alembic's config in code; Alembic itself is imported only when it is needed."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade_to_head(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` (head by default), keeping every row."""
    current = current_revision(engine)
    if revision == "head" and current == HEAD_REVISION:
        return
    if (
        current is not None
        and revision == "head"
        and not (MIGRATIONS_DIR / "versions").joinpath(f"{current}.py").exists()
        and not any(
            p.name.startswith(f"{current}_") for p in (MIGRATIONS_DIR / "versions").glob("*.py")
        )
    ):
        raise StoreError(
            f"the mirror's schema ({current}) is newer than this dslp: upgrade dslp-tui to open it"
        )
    from alembic import command

    command.upgrade(alembic_config(engine), revision)
