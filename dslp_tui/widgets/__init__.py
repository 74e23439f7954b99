"""Widgets and renderers of the dslp app."""
