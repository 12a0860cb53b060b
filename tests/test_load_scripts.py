"""The load scripts themselves, small: the app started by them on loopback, real gradio_client
sessions and real Chromium tabs, no errors, and every tab holding only its own conversation."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration


def test_api_load_script_runs_clean():
    from eval.benchmarks.load_test import run

    row = run(sessions=3, seconds=5, concurrency=2)
    assert row["errors"] == 0, row["error_kinds"]
    assert row["requests"] >= 3 and row["p50_ms"] > 0
    assert row["rss_mb"]["peak"] > 0


def test_browser_load_script_keeps_sessions_apart():
    from eval.benchmarks.load_browser import run

    row = run(sessions=2, seconds=8, concurrency=2)
    assert row["errors"] == 0, row["error_kinds"]
    assert row["sessions_with_own_history"] == 2
    assert min(row["questions_per_session"]) >= 2
