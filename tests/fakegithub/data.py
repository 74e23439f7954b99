"""Texts the fake GitHub's bulk generator picks from."""

from __future__ import annotations

_TITLES = [
    "Why do churned customers cluster in March?",
    "Pull two years of order history",
    "Check label leakage in the training set",
    "Does seasonality explain the dip?",
    "Compare gradient boosting against the baseline",
    "Ship the scoring job to staging",
    "Document the feature store schema",
    "Investigate drift in the pricing model",
]

_BODIES = [
    "## Question\nCan we predict {slug} outcomes well enough to act on them?\n\n"
    "## Why it matters\nSee #{ref}; the {kind} phase is blocked until we know.\n\n"
    "- [ ] agree on a metric\n- [x] get data access\n",
    "Follow-up to #{ref}.\n\nThe {slug} notebook is in `notebooks/{slug}.ipynb`. "
    "Results so far:\n\n| metric | value |\n|---|---|\n| AUC | 0.81 |\n| F1 | 0.64 |\n",
    "### Hypothesis\n{kind}: changing the {slug} step improves recall by 5%.\n\n"
    "### Plan\n1. Split by time\n2. Train\n3. Compare against #{ref}\n\n"
    "<!-- dslp: phase={kind} -->\n",
    "Quick note: {slug} needs a re-run after the data refresh.",
]

_COMMENTS = [
    "Looks good to me.",
    "Can you add the confusion matrix?",
    "Re-ran with the new split; numbers hold.",
    "Blocked on data access, see the Data issue.",
    "Outcome: hypothesis rejected, closing.",
]
