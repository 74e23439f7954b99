"""Create or update a repo's DSLP labels on GitHub (the template tells teams to do it by hand)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from store.labels_file import LabelSpec
from store.rules import DEFAULT_LABELS
from sync.github_api import Client, GitHubError


@dataclass(frozen=True)
class LabelAction:
    name: str
    action: str  # "create", "update", "unchanged"
    detail: str = ""


def default_specs() -> list[LabelSpec]:
    return [LabelSpec(name, color, description) for name, color, description in DEFAULT_LABELS]


def plan_labels(client: Client, repo: str, specs: list[LabelSpec]) -> list[LabelAction]:
    existing: dict[str, dict[str, str]] = {}
    url: str | None = f"/repos/{repo}/labels"
    params: dict[str, object] | None = {"per_page": 100}
    while url:
        resp = client.get(url, params)
        for lab in resp.data or []:
            existing[str(lab.get("name", "")).lower()] = lab
        url, params = resp.link("next"), None
    plan = []
    for spec in specs:
        have = existing.get(spec.name.lower())
        if have is None:
            plan.append(LabelAction(spec.name, "create", f"#{spec.color}"))
            continue
        changes = []
        if (have.get("color") or "").lower() != spec.color:
            changes.append(f"colour #{have.get('color')} -> #{spec.color}")
        if (have.get("description") or "") != spec.description:
            changes.append("description")
        if have.get("name") != spec.name:
            changes.append(f"name {have.get('name')} -> {spec.name}")
        plan.append(
            LabelAction(spec.name, "update" if changes else "unchanged", ", ".join(changes))
        )
    return plan


def apply_labels(
    client: Client, repo: str, specs: list[LabelSpec], plan: list[LabelAction]
) -> list[LabelAction]:
    """Apply the plan in order; on failure the error says which labels were already applied."""
    by_name = {s.name: s for s in specs}
    done: list[LabelAction] = []
    existing_names = {a.name.lower(): a for a in plan}
    for action in plan:
        spec = by_name[action.name]
        body = {"name": spec.name, "color": spec.color, "description": spec.description}
        try:
            if action.action == "create":
                client.write("POST", f"/repos/{repo}/labels", body)
            elif action.action == "update":
                old = existing_names[spec.name.lower()].name
                client.write("PATCH", f"/repos/{repo}/labels/{quote(old, safe='')}", body)
        except GitHubError as exc:
            applied = ", ".join(a.name for a in done if a.action != "unchanged") or "none"
            raise GitHubError(
                f"label {spec.name!r} failed ({exc}); already applied: {applied}; "
                "run the command again to finish",
                exc.status,
            ) from None
        done.append(action)
    return done
