"""Team reports: one self-contained HTML file of DSLP flow and outcome charts.

The package imports none of its modules: `dslp_tui.report.write.write_report` is the entry
point, and plotly loads only inside it, so importing this package costs nothing.
"""
