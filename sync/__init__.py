"""Sync: GitHub (PyGithub) and local clones (GitPython) into the store, and the outbox back."""
