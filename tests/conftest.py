"""Shared test fixtures: where `../shared` is, the PostgreSQL URL, hypothesis profiles."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

REPO_ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"

settings.register_profile("ci", deadline=None, derandomize=True, max_examples=150)
settings.register_profile("dev", deadline=None, max_examples=100)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


def shared_path() -> Path | None:
    """`TALLYBOT_SHARED`, else `../shared` beside the repository root; None when absent."""
    configured = os.environ.get("TALLYBOT_SHARED")
    candidate = Path(configured) if configured else REPO_ROOT.parent / "shared"
    return candidate if candidate.is_dir() else None


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The shared data folder; skips the test when it is absent, except under CI."""
    path = shared_path()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("../shared (or TALLYBOT_SHARED) is missing, and CI needs it")
        pytest.skip("../shared is absent: set TALLYBOT_SHARED to run tests on the shared data")
    return path


@pytest.fixture(scope="session")
def pg_url() -> str:
    """A PostgreSQL URL for store tests; skips outside CI when none is configured."""
    url = os.environ.get("TALLYBOT_TEST_PG_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("TALLYBOT_TEST_PG_URL is not set under CI")
        pytest.skip("TALLYBOT_TEST_PG_URL is not set: no PostgreSQL to test against")
    return url
