"""The page in a real browser (DESIGN §10.4): Debian's headless chromium, driven by
Selenium. A reader opens /e/jfk8, reads the figures, sees them change without a reload
when the published state changes, and the console stays clean; feed text shows as text.
One browser for the module; skipped outside CI when chromium is absent, never under CI.
Screenshots go to test-artifacts/web/."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.core.models import Choice, Election, SourceKind, Status, Tally
from bot.store import Store
from tests.conftest import REPO_ROOT
from tests.web.support import JFK8, T0, eventually, jfk8, publish, serve

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = REPO_ROOT / "test-artifacts" / "web"
PHONE = (412, 915)
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these chromium calls out to Google's servers, refused on a closed network.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)
XSS = "<script>alert(1)</script>"
CHART_SRC = "return document.querySelector('figure.chart img').src;"
CHART_LOADED = (
    "var i = document.querySelector('figure.chart img'); return i.complete && i.naturalWidth > 0;"
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        if os.environ.get("CI"):
            pytest.fail("chromium and chromedriver are missing, and CI needs them")
        pytest.skip("no /usr/bin/chromium or /usr/bin/chromedriver: apt install chromium-driver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="tallybot-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*FLAGS, f"--user-data-dir={profile}", f"--window-size={PHONE[0]},{PHONE[1]}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    driver.set_page_load_timeout(20)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _console_errors(driver: Any) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def _screenshot(driver: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    driver.save_screenshot(str(path))
    return path


def _figures(driver: Any) -> list[list[str]]:
    from selenium.webdriver.common.by import By

    rows = driver.find_elements(By.CSS_SELECTOR, "table.choices tbody tr")
    return [[cell.text for cell in row.find_elements(By.CSS_SELECTOR, "th, td")] for row in rows]


def _fact(driver: Any, key: str) -> str:
    from selenium.webdriver.common.by import By

    return str(driver.find_element(By.CSS_SELECTOR, f'tr[data-fact="{key}"] td').text)


async def test_a_reader_sees_the_count_and_it_updates_without_a_reload(
    browser: Any, sqlite_store: Store
) -> None:
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    day_one = jfk8(1518, 1154, status=Status.PAUSED, ballots_cast=4869)
    await publish(sqlite_store, None, [day_one], elections=[JFK8], now=T0)
    async with serve(sqlite_store) as web:
        await asyncio.to_thread(browser.get, web.base + "/e/jfk8")
        heading = await asyncio.to_thread(lambda: browser.find_element(By.TAG_NAME, "h1").text)
        assert heading == "Amazon JFK8 (Staten Island, NY)"
        assert await asyncio.to_thread(_figures, browser) == [
            ["Amazon Labor Union", "1,518", "56.8%"],
            ["No union", "1,154", "43.2%"],
        ]
        assert await asyncio.to_thread(_fact, browser, "remaining") == "2,197"
        state = await asyncio.to_thread(
            lambda: browser.find_element(By.CSS_SELECTOR, ".state").text
        )
        assert state == "Count paused. Amazon Labor Union leads by 364 votes."  # a post's words
        await eventually(lambda: web.context.streams.open == 1)  # its EventSource is open
        chart_before = await asyncio.to_thread(browser.execute_script, CHART_SRC)
        await asyncio.to_thread(browser.execute_script, "window.tallybotMarker = 'same page';")
        await asyncio.to_thread(_screenshot, browser, "jfk8-day-one-phone.png")

        final = jfk8(2654, 2131, status=Status.FINAL, challenged=67, void=17, ballots_cast=4869)
        await publish(sqlite_store, web.hub, [final], now=T0 + timedelta(days=1))

        def updated(driver: Any) -> bool:
            return "2,654" in driver.find_element(By.CSS_SELECTOR, "table.choices").text

        # The page swaps its <main>: an element read mid-swap is stale, and read again.
        wait = WebDriverWait(browser, 10, ignored_exceptions=(StaleElementReferenceException,))
        await asyncio.to_thread(wait.until, updated)
        assert await asyncio.to_thread(_figures, browser) == [
            ["Amazon Labor Union", "2,654", "55.5%"],
            ["No union", "2,131", "44.5%"],
        ]
        assert await asyncio.to_thread(_fact, browser, "challenged") == "67"
        assert await asyncio.to_thread(_fact, browser, "status") == "Count complete"
        marker = await asyncio.to_thread(browser.execute_script, "return window.tallybotMarker;")
        assert marker == "same page"  # updated in place: no reload
        chart_after = await asyncio.to_thread(browser.execute_script, CHART_SRC)
        assert chart_after != chart_before  # the chart of the new state

        def chart_drawn(driver: Any) -> bool:
            return bool(driver.execute_script(CHART_LOADED))

        await asyncio.to_thread(WebDriverWait(browser, 20).until, chart_drawn)
        announced = await asyncio.to_thread(
            lambda: browser.find_element(By.ID, "live").get_attribute("textContent")
        )
        assert "Amazon Labor Union wins with 55.5% of the valid votes." in announced
        await asyncio.to_thread(browser.set_window_size, 1280, 1600)
        await asyncio.to_thread(_screenshot, browser, "jfk8-final-desktop.png")
        await asyncio.to_thread(browser.set_window_size, *PHONE)
        assert await asyncio.to_thread(_console_errors, browser) == []


async def test_an_election_named_like_a_script_shows_as_text(
    browser: Any, sqlite_store: Store
) -> None:
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    hostile = Tally(
        election_id="xss",
        choices=(Choice("<img src=x onerror=alert(2)>", 5), Choice("No union", 3, against=True)),
        source="organizers",
        source_kind=SourceKind.NATIVE,
    )
    await publish(sqlite_store, None, [hostile], elections=[Election(id="xss", name=XSS)], now=T0)
    async with serve(sqlite_store) as web:
        for path in ("/e/xss", "/"):
            await asyncio.to_thread(browser.get, web.base + path)
            text = await asyncio.to_thread(lambda: browser.find_element(By.TAG_NAME, "main").text)
            assert XSS in text
            with pytest.raises(NoAlertPresentException):
                await asyncio.to_thread(lambda: browser.switch_to.alert.text)
        await asyncio.to_thread(browser.get, web.base + "/e/xss")
        rows = await asyncio.to_thread(_figures, browser)
        assert rows[0][0] == "<img src=x onerror=alert(2)>"
        await asyncio.to_thread(_screenshot, browser, "escaped-name-phone.png")
        assert await asyncio.to_thread(_console_errors, browser) == []
