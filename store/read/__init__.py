"""Read models, one module per screen, returning plain frozen dataclasses.

Screens never hold ORM rows: what they get is a snapshot that cannot lazy-load, cannot go stale
under a thread worker, and renders the same in tests and in the app. Each query reads what its
screen shows (the latest sign-off per gate, the latest status per model, a card's neighbours by
its links), not the repository's whole history.
"""
