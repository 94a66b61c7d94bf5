"""The dashboard (issue 22 §4) in a real browser: Debian's chromium, headless, driven by selenium.
Each view loads with no console error (and a screenshot of it, desktop and phone-sized, is written
under .build/test-output/dashboard); a task submitted from the page appears and completes live;
retry and cancel work from the page; search finds a task by a word in its parameters; the page asks
for the key when API_KEY is set, and its cookie session carries a CSRF token; the read-only mode.

Run:  python3 -m pytest -q Tests/interop/test_dashboard.py -x
"""
from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from test_actions import submit, wait_status
from test_flows import fixture_plugins
from test_worker_interop import REPO, WorkerProc, prerequisites, worker_env  # noqa: F401  (fixtures)

SHOTS = REPO / ".build" / "test-output" / "dashboard"
VIEWS = ["overview", "tasks", "plugins", "schedules", "workers"]


@pytest.fixture(scope="module")
def browser():
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    assert chromium and driver, "chromium and chromium-driver (Debian) are installed by scripts/install-deps.sh --test"
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    chrome = webdriver.Chrome(service=Service(driver), options=options)
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield chrome
    chrome.quit()


@pytest.fixture
def start_worker(tmp_path, prerequisites, browser):
    """Workers for one test; the browser leaves their pages before they stop (else its live
    connection's retries would log errors into the next test) and starts with an empty log."""
    browser.get("about:blank")
    browser.get_log("browser")
    plugins = tmp_path / "plugins.yaml"
    plugins.write_text(fixture_plugins())
    started = []

    def start(**extra) -> WorkerProc:
        workdir = tmp_path / f"w{len(started)}"
        worker = WorkerProc(worker_env(workdir, plugins, **extra), workdir).start()
        started.append(worker)
        return worker

    yield start
    browser.get("about:blank")
    for worker in started:
        worker.terminate()
        worker.wait_stopped(timeout=3)


def console_errors(browser) -> list[dict]:
    return [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]


def open_view(browser, worker, hash_path: str, heading: str):
    browser.get(f"http://127.0.0.1:{worker.port}/#/{hash_path}")
    wait = WebDriverWait(browser, 10)
    wait.until(lambda b: b.find_elements(By.CSS_SELECTOR, "main h1") and heading in b.find_element(By.CSS_SELECTOR, "main h1").text)
    return wait


def badge_of(browser, task_id: str) -> str:
    rows = browser.find_elements(By.CSS_SELECTOR, f'tr[data-task="{task_id}"] .status .badge')
    return rows[0].text if rows else ""


def test_each_view_loads_without_console_errors(browser, start_worker):
    worker = start_worker()
    done = worker.execute("swift_nap", {"ms": 1, "logs": 3})
    worker.execute("swift_fail", {"kind": "permanent"})
    code, _ = worker.http("PUT", "/schedules/nightly", {"task_type": "swift_nap", "parameters": {"ms": 1}, "cron": "0 3 * * *", "tz": "Europe/Paris"})
    assert code in (200, 201)
    browser.get_log("browser")
    for size, (width, height) in {"desktop": (1280, 900), "phone": (390, 844)}.items():
        browser.set_window_size(width, height)
        for view, heading in zip(VIEWS, ["Overview", "Tasks", "Plugins", "Schedules", "Workers"]):
            open_view(browser, worker, view, heading)
            time.sleep(0.3)
            browser.save_screenshot(str(SHOTS / f"{view}-{size}.png"))
            assert console_errors(browser) == [], (view, size)
        open_view(browser, worker, f"task/{done['task_id']}", "Task")
        WebDriverWait(browser, 5).until(lambda b: "line 2" in b.find_element(By.ID, "task-logs").text)
        browser.save_screenshot(str(SHOTS / f"task-{size}.png"))
        assert console_errors(browser) == []
    browser.set_window_size(1280, 900)
    # The overview tells the counts the API tells, and the nightly schedule's cron.
    open_view(browser, worker, "overview", "Overview")
    assert "swift_fail" in browser.find_element(By.CSS_SELECTOR, "main").text
    open_view(browser, worker, "schedules", "Schedules")
    assert "0 3 * * * (Europe/Paris)" in browser.find_element(By.CSS_SELECTOR, "main").text
    # Keyboard: the navigation is reachable with Tab and its links are links.
    assert all(link.get_attribute("href") for link in browser.find_elements(By.CSS_SELECTOR, "nav a"))


def test_a_task_submitted_from_the_page_appears_and_completes_live(browser, start_worker):
    worker = start_worker()
    wait = open_view(browser, worker, "tasks", "Tasks")
    wait.until(lambda b: b.find_element(By.ID, "live").text == "live")
    Select(browser.find_element(By.ID, "submit-type")).select_by_visible_text("swift_nap")
    area = browser.find_element(By.ID, "submit-parameters")
    area.clear()
    area.send_keys('{"ms": 1500, "note": "from the page"}')
    browser.find_element(By.CSS_SELECTOR, "#submit-form button[type=submit]").click()
    wait.until(lambda b: "submitted" in b.find_element(By.ID, "notice").text)
    task_id = browser.find_element(By.ID, "notice").text.split()[1]
    # It comes in live (no reload), then turns completed in place.
    WebDriverWait(browser, 10).until(lambda b: badge_of(b, task_id) in ("pending", "processing"))
    WebDriverWait(browser, 15).until(lambda b: badge_of(b, task_id) == "completed")
    assert worker.http("GET", f"/task/{task_id}")[1]["parameters"]["note"] == "from the page"
    assert console_errors(browser) == []


def test_retry_and_cancel_work_from_the_page(browser, start_worker):
    worker = start_worker()
    failed = worker.execute("swift_fail", {"kind": "permanent"})
    wait = open_view(browser, worker, f"task/{failed['task_id']}", "Task")
    wait.until(lambda b: b.find_element(By.ID, "live").text == "live")
    browser.find_element(By.XPATH, "//button[text()='Retry']").click()
    wait_status(worker, failed["task_id"], "failed", since=failed["finished_at"])
    # The view re-renders on the task's live events: the notice may be replaced while it is read.
    WebDriverWait(browser, 10, ignored_exceptions=[StaleElementReferenceException]).until(
        lambda b: "Retry: done" in b.find_element(By.ID, "notice").text)

    later = submit(worker, "swift_nap", {"ms": 1}, delay_ms=86_400_000)
    open_view(browser, worker, f"task/{later}", "Task")
    browser.find_element(By.XPATH, "//button[text()='Cancel']").click()
    wait_status(worker, later, "cancelled")
    WebDriverWait(browser, 10).until(lambda b: b.find_elements(By.CSS_SELECTOR, ".fields .badge.cancelled"))
    assert browser.find_elements(By.XPATH, "//button[text()='Retry']"), "a cancelled task offers Retry"
    assert console_errors(browser) == []


def test_search_finds_a_task_by_a_word_in_its_parameters(browser, start_worker):
    worker = start_worker()
    wanted = worker.execute("swift_nap", {"ms": 1, "note": "the zebracorn grazes"})
    for i in range(5):
        worker.execute("swift_nap", {"ms": 1, "note": f"an ordinary note {i}"})
    wait = open_view(browser, worker, "tasks", "Tasks")
    box = browser.find_element(By.NAME, "q")
    box.send_keys("zebraco")
    box.submit()
    wait.until(lambda b: "q=zebraco" in b.current_url and len(b.find_elements(By.CSS_SELECTOR, "#task-rows tr")) == 1)
    rows = browser.find_elements(By.CSS_SELECTOR, "#task-rows tr")
    assert rows[0].get_attribute("data-task") == wanted["task_id"]
    assert console_errors(browser) == []


def test_the_page_asks_for_the_key_and_guards_its_session(browser, start_worker):
    worker = start_worker(API_KEY="k-" + "x" * 20)
    browser.delete_all_cookies()
    browser.get(f"http://127.0.0.1:{worker.port}/#/overview")
    wait = WebDriverWait(browser, 10)
    wait.until(lambda b: b.find_element(By.ID, "login").is_displayed())
    browser.save_screenshot(str(SHOTS / "login.png"))
    assert worker.http("GET", "/queue")[0] == 401
    field = browser.find_element(By.ID, "api-key")
    field.send_keys("wrong")
    field.submit()
    wait.until(lambda b: "not this worker" in b.find_element(By.ID, "login-error").text)
    field.clear()
    field.send_keys("k-" + "x" * 20)
    field.submit()
    wait.until(lambda b: b.find_elements(By.CSS_SELECTOR, "main h1") and b.find_element(By.CSS_SELECTOR, "main h1").text == "Overview")
    session = browser.get_cookie("uvw_session")
    assert session["httpOnly"] and session["sameSite"] == "Strict"
    # From the page: a state-changing call without the CSRF token is refused, with it accepted.
    refused = browser.execute_async_script("""
        const done = arguments[0];
        fetch('/queue/pause', {method: 'POST'}).then(r => done(r.status));""")
    assert refused == 403
    accepted = browser.execute_async_script("""
        const done = arguments[0];
        const csrf = document.cookie.split('; ').find(c => c.startsWith('uvw_csrf=')).slice(9);
        fetch('/queue/resume', {method: 'POST', headers: {'X-Uvian-CSRF': csrf}}).then(r => done(r.status));""")
    assert accepted == 200
    browser.find_element(By.ID, "logout").click()
    wait.until(lambda b: b.find_element(By.ID, "login").is_displayed())


def test_the_read_only_dashboard_shows_but_does_not_act(browser, start_worker):
    worker = start_worker(DASHBOARD_READ_ONLY="true")
    failed = worker.execute("swift_fail", {"kind": "permanent"})
    open_view(browser, worker, f"task/{failed['task_id']}", "Task")
    assert not [b for b in browser.find_elements(By.XPATH, "//button[text()='Retry']") if b.is_displayed()]
    status = browser.execute_async_script("""
        const [taskId, done] = arguments;
        fetch('/task/' + taskId + '/retry', {method: 'POST', headers: {'X-Uvian-Dashboard': '1'}})
          .then(r => r.json().then(body => done([r.status, body.error.code])));""", failed["task_id"])
    assert status == [403, "read_only"]
    # The API itself (no dashboard header) still acts.
    assert worker.http("POST", f"/task/{failed['task_id']}/retry")[0] == 200
    assert json.dumps(worker.http("GET", "/session")[1]).count('"read_only": true') == 1
