"""Screens of the dslp app: portfolio, board, card, gates, models, sync, dialogs."""
