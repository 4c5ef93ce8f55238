"""The dashboard in a real (headless) Chromium under its Content-Security-Policy: it
logs in with the key, lists conversations, opens a thread — and the browser reports
no policy violation and no script error."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from atende.storage import messages
from atende.storage.db import transaction
from atende.storage.types import utcnow
from tests.support.api_server import add_conversation, api_server

CHROMIUM = os.environ.get("ATENDE_TEST_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Runs before the page's own script; CSP does not apply to what the browser injects.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__violations.push(e.violatedDirective + " " + e.blockedURI));
"""


def test_dashboard_renders_under_its_csp(sqlite_url: str, tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not found: apt-get install -y chromium to run the browser test")
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    with api_server(sqlite_url, tmp_path) as api:
        with transaction(api.runtime.sessions) as s:
            phones = [f"+55119777700{i:02d}" for i in range(3)]
            convs = [
                add_conversation(s, api.org_id, api.channel_id, p, utcnow(), utcnow())
                for p in phones
            ]
            messages.add_outbound(s, api.org_id, convs[-1], api.channel_id, "Olá, Rex!", "b-1")
        with sync_api.sync_playwright() as pw:
            # the browser is not atende: it keeps the real clock under scripts/test-at.sh
            plain = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, env=plain)
            try:
                page = browser.new_page()
                errors: list[str] = []
                page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
                page.on("pageerror", lambda e: errors.append(str(e)))
                page.on("response", lambda r: errors.append(r.url) if r.status >= 400 else None)
                page.add_init_script(RECORD_VIOLATIONS)
                page.goto(f"{api.url}/#key={api.key}")
                sync_api.expect(page.locator(".conv")).to_have_count(3)
                listed = page.locator(".conv .phone").all_inner_texts()
                page.locator(".conv", has_text=phones[-1]).click()
                page.wait_for_selector(".msg.out", timeout=5000)
                thread = page.locator("#messages").inner_text()
                page.locator("nav button[data-tab=bookings]").click()
                page.wait_for_selector("#bookings th", timeout=5000)
                violations = page.evaluate("window.__violations")
                styled = page.evaluate("getComputedStyle(document.querySelector('header')).display")
            finally:
                browser.close()
    assert sorted(listed) == sorted(phones)
    assert "Olá, Rex!" in thread
    assert styled == "flex"  # the stylesheet from /static loaded
    assert violations == [] and errors == [], (violations, errors)
