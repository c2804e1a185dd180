"""Measurement-based care: PHQ-9, GAD-7, PCL-5 and MBI-GS scored, scheduled, trended and
reported across the network.

Pure rules: instruments.py (items, ranges, licensed-text loader), scoring.py (scores,
bands, flags, change definitions), schedule.py (which points are due), charts.py and
trends.py (SVG geometry), report_tables.py (report layout). Data: models.py. Verbs:
services/ (giving measures, alerts, item text, self-report links, the network outcome
report in SQL, and care_data.py, every query into the care records). Web: blueprint.py,
views/ (clinical, links, reports, admin, panels), forms.py; cli.py adds
``flask measures load-mbi-text FILE``; demo.py seeds the demo measures.
"""
