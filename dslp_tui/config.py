"""The user's config.toml: theme, keymap overrides, and the name used for sign-offs.

A broken or odd config never stops the app: `load_config` returns the defaults and a one-line
message saying what was wrong, which the app shows as a notification.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

APP_NAME = "dslp-tui"
DEFAULT_THEME = "textual-dark"


@dataclass(frozen=True)
class Config:
    theme: str = DEFAULT_THEME
    keymap: dict[str, str] = field(default_factory=dict)
    user: str = ""


def config_path() -> Path:
    from platformdirs import user_config_path

    return user_config_path(APP_NAME, appauthor=False) / "config.toml"


def load_config(path: Path | None = None) -> tuple[Config, str | None]:
    """The config at `path` (default: the platform config folder) and an error line, if any."""
    path = path or config_path()
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Config(), None
    except (OSError, UnicodeDecodeError) as exc:
        return Config(), f"cannot read {path}: {exc.__class__.__name__}; using defaults"
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        return Config(), f"{path} is not valid TOML ({exc}); using defaults"
    problems: list[str] = []
    theme = data.get("theme", DEFAULT_THEME)
    if not isinstance(theme, str):
        problems.append("theme must be a string")
        theme = DEFAULT_THEME
    user = data.get("user", "")
    if not isinstance(user, str):
        problems.append("user must be a string")
        user = ""
    keymap_raw = data.get("keymap", {})
    keymap: dict[str, str] = {}
    if not isinstance(keymap_raw, dict):
        problems.append('[keymap] must be a table of binding id = "key"')
    else:
        for key, value in keymap_raw.items():
            if isinstance(value, str) and value.strip():
                keymap[str(key)] = value.strip()
            else:
                problems.append(f'keymap.{key} must be a key name such as "ctrl+s"')
    unknown = sorted(set(data) - {"theme", "keymap", "user"})
    if unknown:
        problems.append(f"unknown setting {', '.join(unknown)}")
    if problems:
        # Keep what was valid: a typo in one key should not cost the user their theme.
        return Config(theme=theme, keymap=keymap, user=user), (
            f"{path}: {'; '.join(problems)}; defaults used for those"
        )
    return Config(theme=theme, keymap=keymap, user=user), None
