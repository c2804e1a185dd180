"""The two WSGI apps the serving benchmark runs under gunicorn with the same settings.

    gunicorn 'bench.serving_apps:kapms_app()'   # KAPMS on KAPMS_BENCH_DATABASE_URL
    gunicorn 'bench.serving_apps:bare_app()'    # Flask + Jinja, a 50-row table, no database
"""

import os
from datetime import date, timedelta

from flask import Flask, render_template
from jinja2 import DictLoader

TABLE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sessions</title></head>
<body><h1>Sessions</h1>
<table><thead><tr><th>Date</th><th>Patient</th><th>Kind</th><th>Code</th><th>Amount</th></tr>
</thead><tbody>
{% for row in rows %}<tr><td>{{ row.day.isoformat() }}</td><td>{{ row.patient }}</td>
<td>{{ row.kind }}</td><td>{{ row.code }}</td><td>{{ "$%.2f"|format(row.cents / 100) }}</td></tr>
{% endfor %}</tbody></table></body></html>
"""


def bare_app() -> Flask:
    """A bare Flask app rendering a 50-row table from a Jinja template (compiled once)."""
    app = Flask(__name__)
    app.jinja_loader = DictLoader({"table.html": TABLE})
    rows = [{"day": date(2026, 1, 5) + timedelta(days=n), "patient": f"Patient {n}",
             "kind": ("Preparation", "Dosing", "Integration")[n % 3], "code": "90837",
             "cents": 15000 + n} for n in range(50)]

    @app.get("/")
    def table():
        return render_template("table.html", rows=rows)

    return app


def kapms_app():
    """KAPMS with the benchmark settings on the database named in the environment."""
    from bench.scale_data import make_app

    return make_app(os.environ["KAPMS_BENCH_DATABASE_URL"])
