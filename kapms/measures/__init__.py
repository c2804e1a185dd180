"""Measurement-based care: PHQ-9, GAD-7, PCL-5 and MBI-GS scored, scheduled, trended and
reported across the network.

Pure rules: scoring.py (scores, bands, flags, change definitions), instruments.py (items,
ranges, licensed-text loader), schedule.py (which points are due), charts.py and trends.py
(SVG geometry), report_tables.py (report layout). Data and verbs: models.py, services.py
(giving measures, safety alerts, item text), links.py (self-report links), reports.py (the
network outcome report in SQL). Web: views.py, report_views.py, forms.py; cli.py adds
``flask measures load-mbi-text FILE``; demo.py seeds the demo measures.
"""
