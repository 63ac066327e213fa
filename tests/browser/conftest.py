"""Browser fixtures: the app on a live server, Debian Chromium through Playwright, and axe.

Every test here is marked `browser`. Without /usr/bin/chromium they are skipped, unless
REQUIRE_BROWSER_TESTS=1 (CI), where a missing browser fails the run instead.
Each page records console errors, failed requests and error responses; a test ends with none,
so a CSP violation or an htmx file that did not load (or failed its SRI check) fails it.
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TIMEOUT_MS = 10_000
BLOCKING_IMPACTS = {"serious", "critical"}

_HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    for item in items:
        if _HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)


def _required() -> bool:
    return os.environ.get("REQUIRE_BROWSER_TESTS") == "1"


_skipped_in_ci: list[str] = []


def pytest_runtest_logreport(report):
    """Under REQUIRE_BROWSER_TESTS=1, a browser test skipped for any reason fails the run."""
    if (_required() and report.skipped and not hasattr(report, "wasxfail")
            and "browser" in report.keywords):
        _skipped_in_ci.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    if _skipped_in_ci:
        print(f"\nREQUIRE_BROWSER_TESTS=1 but {len(_skipped_in_ci)} browser test(s) were skipped: "
              + ", ".join(_skipped_in_ci))
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    """The browser binary, or a skip (a failure when REQUIRE_BROWSER_TESTS=1)."""
    problem = None
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        problem = f"{CHROMIUM} is not installed"
    else:
        try:
            import playwright.sync_api  # noqa: F401
            import axe_playwright_python  # noqa: F401
        except ImportError as error:
            problem = f"browser test packages are missing ({error}); run `make install-test`"
    if problem:
        if _required():
            pytest.fail(f"REQUIRE_BROWSER_TESTS=1 but {problem}: browser tests must not be skipped",
                        pytrace=False)
        pytest.skip(problem)
    return str(CHROMIUM)


@pytest.fixture(scope="session")
def browser(chromium_executable):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_server(app):
    """The test app served on a free local port; emailed links point at it."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base_url = f"http://127.0.0.1:{server.server_port}"
    app.config["PUBLIC_URL"] = base_url
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield base_url
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


class PageProblems(list):
    """What went wrong in the browser while a test ran: console errors, failed requests, 4xx/5xx."""

    def expect(self, pattern: str) -> None:
        """Take out the problems a test provoked on purpose (e.g. the 404 of an error page)."""
        matching = [p for p in self if re.search(pattern, p)]
        assert matching, f"expected a problem matching {pattern!r}, saw {list(self)}"
        for problem in matching:
            self.remove(problem)


@pytest.fixture
def page_problems():
    return PageProblems()


@pytest.fixture
def page(browser, live_server, page_problems):
    """A fresh browser context per test, its base URL the live server."""
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900},
                                  locale="en-GB", timezone_id="Europe/London")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()

    def note(problem: str, url: str = "") -> None:
        # Chromium asks for /favicon.ico on its own; the portal serves an SVG icon instead.
        if not url.endswith("/favicon.ico"):
            page_problems.append(problem)

    def request_failed(request) -> None:
        # A load the page itself cut short by moving on (a click mid-load) is not a fault.
        if request.failure != "net::ERR_ABORTED":
            note(f"request failed: {request.method} {request.url} {request.failure}", request.url)

    page.on("console", lambda msg: msg.type == "error" and note(
        f"console error: {msg.text} ({msg.location.get('url', '')})", msg.location.get("url", "")))
    page.on("pageerror", lambda error: note(f"page error: {error}"))
    page.on("requestfailed", request_failed)
    page.on("response", lambda response: response.status >= 400 and note(
        f"HTTP {response.status}: {response.request.method} {response.url}", response.url))
    yield page
    context.close()
    # Likewise an htmx request the page cut short by moving on (a live preview fired by the blur
    # of the click that submits the form): htmx logs the abort and its afterRequest as errors.
    if any("htmx:sendAbort" in problem for problem in page_problems):
        page_problems[:] = [p for p in page_problems
                            if "htmx:sendAbort" not in p and "htmx:afterRequest" not in p]
    assert not page_problems, "the browser reported problems:\n  " + "\n  ".join(page_problems)


def _describe(violation: dict) -> str:
    targets = "; ".join(", ".join(map(str, node["target"])) for node in violation["nodes"])
    return f"[{violation['impact']}] {violation['id']}: {violation['help']} -> {targets}"


@pytest.fixture(scope="session")
def a11y(chromium_executable):
    """check(page, screenshot=None): axe finds nothing serious or critical, and htmx is loaded.

    With a screenshot name, the full page is saved to test-artifacts/ for a person to look at.
    """
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def check(page, screenshot: str | None = None) -> None:
        page.wait_for_load_state("load")
        assert page.evaluate("typeof htmx !== 'undefined' && typeof htmx.version === 'string'"), \
            f"htmx did not load on {page.url}"
        violations = axe.run(page).response["violations"]
        blocking = [v for v in violations if v.get("impact") in BLOCKING_IMPACTS]
        for violation in violations:
            if violation not in blocking:
                print(f"axe (not blocking) on {page.url}: {_describe(violation)}")
        if screenshot:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"{screenshot}.png"), full_page=True)
        assert not blocking, f"axe found problems on {page.url}:\n  " + "\n  ".join(map(_describe, blocking))

    return check
