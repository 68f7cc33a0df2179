"""The digest's HTML part in a real browser: a phone and a desktop.

Renders a realistic digest (3 "needs you" items, 3 drafts in English and French with
long text and a long link, 6 clients), opens it in headless Chromium (Debian's
package) and checks what a person would see: no request to anything but the page
itself, no sideways scrolling on a 390 px phone, buttons big enough to tap. Full-page
screenshots are kept in tests/browser/artifacts/ for a person to look at.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mailwatch.digest.render import render_html
from tests.browser.chromium import CHROMIUM, chromium, screenshot
from tests.unit.digest_samples import sample_view

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

if not CHROMIUM.exists():
    if os.environ.get("MAILWATCH_REQUIRE_CHROMIUM"):
        raise RuntimeError(f"{CHROMIUM} is missing: apt-get install -y chromium chromium-driver")
    pytest.skip(f"{CHROMIUM} is missing (./test installs it)", allow_module_level=True)

# What the page reports about itself once laid out.
_MEASURE = """(() => {
  const doc = document.documentElement;
  const buttons = [...document.querySelectorAll('a[href^="mailto:"]')].map(a => {
    const r = a.getBoundingClientRect();
    return {text: a.textContent.trim(), width: r.width, height: r.height, href: a.href};
  });
  const wide = [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
    .map(e => e.tagName + ': ' + (e.textContent || '').trim().slice(0, 60));
  return {
    scrollWidth: doc.scrollWidth, innerWidth: window.innerWidth,
    buttons, wide,
    fontSize: parseFloat(getComputedStyle(document.body).fontSize),
    links: [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href')),
    images: document.images.length, scripts: document.scripts.length,
  };
})()"""


@pytest.fixture(scope="module")
def page_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("digest") / "digest.html"
    path.write_text(render_html(sample_view()), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("name", "width", "height", "mobile"),
    [("phone", 390, 844, True), ("desktop", 1280, 900, False)],
)
def test_digest_in_chromium(page_file: Path, name: str, width: int, height: int, mobile: bool):
    ARTIFACTS.mkdir(exist_ok=True)
    url = page_file.as_uri()
    with chromium() as browser:
        target = browser.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.call("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        browser.call("Page.enable", session=session)
        browser.call("Network.enable", session=session)
        browser.call(
            "Fetch.enable",
            {"patterns": [{"urlPattern": "http://*"}, {"urlPattern": "https://*"}]},
            session=session,
        )
        browser.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile},
            session=session,
        )
        browser.events.clear()
        browser.call("Page.navigate", {"url": url}, session=session)
        browser.wait_for("Page.loadEventFired", session=session)
        measured = browser.call(
            "Runtime.evaluate", {"expression": _MEASURE, "returnByValue": True}, session=session
        )["result"]["value"]
        shot = ARTIFACTS / f"digest-{name}-{width}.png"
        page_width, page_height = screenshot(browser, session, shot)
        # Anything requested late (fonts, lazy images) would show up by now.
        browser.call("Runtime.evaluate", {"expression": "1"}, session=session)
        requests = [
            event["params"]["request"]["url"]
            for event in browser.events
            if event["method"] == "Network.requestWillBeSent"
        ]
        sockets = [e for e in browser.events if e["method"] == "Network.webSocketCreated"]

    print(f"\nscreenshot: {shot} ({page_width}x{page_height} CSS px)")
    others = [u for u in requests if u != url and not u.startswith("data:")]
    assert others == [], f"the page requested more than itself: {others}"
    assert url in requests
    assert sockets == []
    assert measured["images"] == 0 and measured["scripts"] == 0
    assert all(link.startswith("mailto:") for link in measured["links"]), measured["links"]

    assert measured["innerWidth"] == width
    assert measured["scrollWidth"] <= measured["innerWidth"], (
        f"sideways scrolling at {width} px: page is {measured['scrollWidth']} px wide; "
        f"too wide: {measured['wide'][:5]}"
    )
    assert measured["wide"] == []
    assert measured["fontSize"] >= 16

    # 2 drafts approvable, 1 that needs an edit first: 2 Approve and 3 Reject buttons.
    labels = [button["text"] for button in measured["buttons"]]
    assert labels.count("✓ Approve") == 2 and labels.count("✗ Reject") == 3
    for button in measured["buttons"]:
        assert button["height"] >= 44 and button["width"] >= 88, button  # easy to tap
        assert "%20" in button["href"] and "+" not in button["href"].split("?", 1)[1]
