"""Synthetic networks on disk: build one, or reuse the one already there.

A data set is described by a manifest (JSON beside it): the size, the anchor day, the last
id of every table after generation, the row counts and a fingerprint of the schema and of
the generator's source. ``ensure`` regenerates when the fingerprint differs (another
branch changed a model, or the generator changed), and otherwise only removes what earlier
benchmark runs added (audit rows), so every run measures the same data.
"""

from __future__ import annotations

import json
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from kapms.config import Config

HERE = Path(__file__).resolve().parent
SOURCES = [HERE / name for name in ("scale_generate.py", "scale_load.py",
                                    "measures_generate.py", "network_generate.py")]


class BenchConfig(Config):
    """Production settings, except: a fixed key, cheap password hashing (sign-in is not
    what is measured) and no sign-in rate limit (the benchmark signs in many times)."""

    SECRET_KEY = "bench-only-secret-key"
    # The second sign-in step only costs the sign-in, which is not measured; the probe
    # users sign in with a password (as in the test suite).
    MFA_REQUIRED_ROLES = ""
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    ARGON2_PARALLELISM = 1
    RATELIMIT_ENABLED = False
    # With rate limits off, per-process limit counters (memory://) under several gunicorn
    # workers do not matter; this lets the app start without a Redis.
    SINGLE_PROCESS = True


def make_app(url: str, **overrides):
    """The KAPMS app on database ``url`` with :class:`BenchConfig`."""
    from kapms import create_app

    return create_app(type("Bench", (BenchConfig,), {"SQLALCHEMY_DATABASE_URI": url,
                                                      **overrides}))


def fingerprint(app) -> str:
    """Schema and generator fingerprint for ``app``'s database dialect."""
    from bench.scale_load import schema_fingerprint
    from kapms.extensions import db

    with app.app_context():
        return schema_fingerprint(db.metadata, db.engine.dialect, *SOURCES)


def build(url: str, size, *, seed: int = 1, manifest_path: Path | None = None,
          progress=print) -> dict:
    """Generate the network of ``size`` into ``url`` (replacing what is there)."""
    from bench.scale_generate import PROBE_PASSWORD, generate
    from bench.scale_load import Loader, index_ddl
    from kapms.audit.chain import key_from
    from kapms.auth.passwords import hash_password
    from kapms.extensions import db

    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    app = make_app(url)
    started = time.perf_counter()
    stamp = fingerprint(app)  # of the code that generates, even if the files change meanwhile
    with app.app_context():
        indexes = index_ddl(db.metadata, db.engine.dialect)
        loader = Loader(db.engine, db.metadata)
        loader.create_schema()
        anchor = datetime.now(ZoneInfo(app.config["CLINIC_TIMEZONE"])).date()
        audit_key = key_from(app.config.get("AUDIT_CHAIN_KEY") or app.config["SECRET_KEY"])
        manifest = generate(loader, size, anchor=anchor,
                            password_hash=hash_password(PROBE_PASSWORD), seed=seed,
                            audit_key=audit_key, progress=progress)
        db.engine.dispose()
    manifest.update(fingerprint=stamp, indexes=indexes,
                    seconds=round(time.perf_counter() - started), generated_at=datetime.now().isoformat(timespec="seconds"))
    if manifest_path:
        manifest_path.write_text(json.dumps(manifest, indent=1))
    progress(f"  generated {size.label} in {manifest['seconds']} s: "
             f"{sum(manifest['counts'].values()):,} rows")
    return manifest


def ensure(url: str, size, manifest_path: Path, *, seed: int = 1, progress=print) -> dict:
    """The manifest of an up-to-date network of ``size`` at ``url``, generating it when
    missing or stale; rows added by earlier benchmark runs are removed."""
    from bench.scale_load import sync_indexes, truncate_after

    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else None
    app = make_app(url)
    if (manifest is None or manifest.get("size") != size.label
            or manifest.get("seed") != seed or manifest.get("fingerprint") != fingerprint(app)):
        progress(f"  generating the {size.label} network into {url.split('@')[-1]} ...")
        return build(url, size, seed=seed, manifest_path=manifest_path, progress=progress)
    from kapms.extensions import db

    with app.app_context():
        from kapms.audit.triggers import suspended

        indexes = sync_indexes(db.engine, db.metadata, manifest.get("indexes", {}), progress)
        if indexes != manifest.get("indexes"):
            manifest["indexes"] = indexes
            manifest_path.write_text(json.dumps(manifest, indent=1))
        truncate_after(db.engine, "audit_events", manifest["last_ids"]["audit_events"],
                       suspended)
        db.engine.dispose()
    return manifest
