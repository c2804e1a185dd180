"""The serving benchmark's parts: the bare page it compares against, gunicorn started with
the benchmark's settings, the load driver and the worker memory reading."""

from bench.serving_apps import bare_app
from bench.serving_bench import Gunicorn, Visitor, load


def test_the_bare_page_is_a_50_row_table():
    response = bare_app().test_client().get("/")
    assert response.status_code == 200
    assert response.get_data(as_text=True).count("<tr>") == 51  # the header and 50 rows


def test_gunicorn_serves_the_load_and_reports_each_workers_memory():
    server = Gunicorn("bench.serving_apps:bare_app()", 2, {})
    try:
        result = load(Visitor(server.base), [server.base + "/", server.base + "/missing"], 2,
                      total=20)
        memory = server.worker_rss_mb()
    finally:
        server.stop()
    assert result["requests"] == 20
    assert len(result["errors"]) == 10 and {status for status, _ in result["errors"]} == {404}
    assert result["rate"] > 0 and result["p50_ms"] > 0
    assert len(memory) == 2 and all(mb > 5 for mb in memory)
