"""Reusing a stored synthetic network (bench/scale_data.py): a change of indexes alone is
applied to the stored data, a change of a table regenerates it."""

import json

from sqlalchemy import create_engine, inspect

from bench.scale_data import ensure
from tests.bench.test_scale_network import TINY, _scratch_urls


def _indexes(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        found = inspect(engine)
        return {index["name"] for table in found.get_table_names()
                for index in found.get_indexes(table)}
    finally:
        engine.dispose()


def test_an_index_change_is_applied_without_regenerating(tmp_path):
    urls, drop = _scratch_urls(tmp_path, 1)
    manifest_path = tmp_path / "network.json"
    try:
        first = ensure(urls[0], TINY, manifest_path, progress=lambda _: None)
        assert "ix_audit_events_at_id" in _indexes(urls[0])
        # As if the models had lost an index since (it is in the data set) and gained one
        # (it is not): the stored manifest says what was built.
        stored = json.loads(manifest_path.read_text())
        stored["indexes"]["ix_gone_since"] = 'CREATE INDEX "ix_gone_since" ON users (email)'
        engine = create_engine(urls[0])
        with engine.begin() as conn:
            conn.exec_driver_sql(stored["indexes"]["ix_gone_since"])
            conn.exec_driver_sql("DROP INDEX ix_audit_events_at_id")
        engine.dispose()
        del stored["indexes"]["ix_audit_events_at_id"]
        manifest_path.write_text(json.dumps(stored))

        messages = []
        again = ensure(urls[0], TINY, manifest_path, progress=messages.append)

        assert again["generated_at"] == first["generated_at"]  # not regenerated
        assert messages == ["  building index ix_audit_events_at_id"]
        found = _indexes(urls[0])
        assert "ix_audit_events_at_id" in found and "ix_gone_since" not in found
        assert json.loads(manifest_path.read_text())["indexes"] == first["indexes"]

        # A table change (here: a fingerprint that no longer matches) regenerates.
        stored = json.loads(manifest_path.read_text())
        stored["fingerprint"] = "0" * 16
        manifest_path.write_text(json.dumps(stored))
        messages.clear()
        ensure(urls[0], TINY, manifest_path, progress=messages.append)
        assert any("generating" in m for m in messages)
    finally:
        drop()
