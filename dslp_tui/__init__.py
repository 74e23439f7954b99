"""dslp-tui: the Data Science Lifecycle Process, run from the terminal."""

__version__ = "0.1.0"
