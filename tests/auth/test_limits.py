"""Rate limits must be shared by every worker: production refuses per-process storage."""

import pytest

from kapms import create_app
from kapms.config import Config, check_shared_limits


def _production(**overrides):
    return type("Production", (Config,), {"SECRET_KEY": "x" * 32,
                                          "SQLALCHEMY_DATABASE_URI": "sqlite://", **overrides})


def test_production_refuses_to_start_with_per_process_limits():
    with pytest.raises(RuntimeError, match="KAPMS_SINGLE_PROCESS"):
        create_app(_production())


def test_one_process_or_debug_may_use_memory_storage():
    assert create_app(_production(SINGLE_PROCESS=True))
    assert create_app(_production(DEBUG=True))


def test_shared_storage_passes_the_check():
    check_shared_limits({"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379"})
    with pytest.raises(RuntimeError):
        check_shared_limits({"RATELIMIT_STORAGE_URI": "memory://"})


def test_the_environment_can_say_single_process(monkeypatch):
    settings = {"SECRET_KEY": "x" * 32, "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    with pytest.raises(RuntimeError):
        create_app(settings)
    monkeypatch.setenv("KAPMS_SINGLE_PROCESS", "true")
    assert create_app(settings)
