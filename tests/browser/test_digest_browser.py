"""The digest's HTML part in a real browser: a phone and a desktop.

Renders a realistic digest (3 "needs you" items, 3 drafts in English and French with
long text and a long link, 6 clients), opens it in headless Chromium (Debian's
package) and checks what a person would see: no request to anything but the page
itself, no sideways scrolling on a 390 px phone, buttons big enough to tap. Full-page
screenshots are kept in tests/browser/artifacts/ for a person to look at.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mailwatch.digest.render import render_html
from tests.browser.chromium import CHROMIUM, chromium, screenshot
from tests.unit.digest_samples import sample_view
from tests.unit.test_digest_render import hostile_view

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

if not CHROMIUM.exists():
    if os.environ.get("MAILWATCH_REQUIRE_CHROMIUM"):
        raise RuntimeError(f"{CHROMIUM} is missing: apt-get install -y chromium chromium-driver")
    pytest.skip(f"{CHROMIUM} is missing (./test installs it)", allow_module_level=True)

# What the page reports about itself once laid out.
_MEASURE = """((limit) => {
  const doc = document.documentElement;
  const buttons = [...document.querySelectorAll('a[href^="mailto:"]')].map(a => {
    const r = a.getBoundingClientRect();
    return {text: a.textContent.trim(), width: r.width, height: r.height, href: a.href};
  });
  const wide = [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > limit + 0.5
                 || e.scrollWidth > Math.max(e.clientWidth, limit) + 1)
    .map(e => e.tagName + ': ' + (e.textContent || '').trim().slice(0, 60));
  return {
    scrollWidth: doc.scrollWidth, innerWidth: window.innerWidth,
    buttons, wide,
    fontSize: parseFloat(getComputedStyle(document.body).fontSize),
    links: [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href')),
    images: document.images.length, scripts: document.scripts.length,
  };
})(%d)"""


@dataclass
class Loaded:
    url: str
    measured: dict[str, Any]
    requests: list[str]  # every URL the page asked for
    sockets: int
    shot: Path


def load(page: Path, shot: Path, width: int, height: int, *, mobile: bool) -> Loaded:
    """Open `page` in a fresh headless Chromium at this size, measure it and take a
    full-page screenshot. Every http(s) request is recorded and failed."""
    url = page.as_uri()
    with chromium() as browser:
        target = browser.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        attached = browser.call("Target.attachToTarget", {"targetId": target, "flatten": True})
        session = attached["sessionId"]
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
            "Runtime.evaluate",
            {"expression": _MEASURE % width, "returnByValue": True},
            session=session,
        )["result"]["value"]
        page_width, page_height = screenshot(browser, session, shot)
        # Anything requested late (fonts, lazy images) would show up by now.
        browser.call("Runtime.evaluate", {"expression": "1"}, session=session)
        events = list(browser.events)
    print(f"\nscreenshot: {shot} ({page_width}x{page_height} CSS px)")
    return Loaded(
        url,
        measured,
        [
            e["params"]["request"]["url"]
            for e in events
            if e["method"] == "Network.requestWillBeSent"
        ],
        sum(e["method"] == "Network.webSocketCreated" for e in events),
        shot,
    )


def assert_self_contained(loaded: Loaded) -> None:
    others = [u for u in loaded.requests if u != loaded.url and not u.startswith("data:")]
    assert others == [], f"the page requested more than itself: {others}"
    assert loaded.url in loaded.requests
    assert loaded.sockets == 0
    assert loaded.measured["images"] == 0 and loaded.measured["scripts"] == 0
    links = loaded.measured["links"]
    assert all(link.startswith("mailto:") for link in links), links


def assert_fits(loaded: Loaded, width: int) -> None:
    measured = loaded.measured
    # Compared with the device's width: a phone browser widens its layout viewport
    # (innerWidth) to fit content that is too wide, then zooms out.
    assert measured["scrollWidth"] <= width, (
        f"sideways scrolling at {width} px: the page is {measured['scrollWidth']} px wide; "
        f"too wide: {measured['wide'][-5:]}"
    )
    assert measured["innerWidth"] == width, f"the viewport widened to {measured['innerWidth']}"
    assert measured["wide"] == []


@pytest.fixture(scope="module")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    print(f"\nbrowser test screenshots: {ARTIFACTS}")
    return ARTIFACTS


@pytest.mark.parametrize(
    ("name", "width", "height", "mobile"),
    [("phone", 390, 844, True), ("desktop", 1280, 900, False)],
)
def test_digest_in_chromium(tmp_path, artifacts, name, width, height, mobile):
    page = tmp_path / "digest.html"
    page.write_text(render_html(sample_view()), encoding="utf-8")
    loaded = load(page, artifacts / f"digest-{name}-{width}.png", width, height, mobile=mobile)
    assert_self_contained(loaded)
    assert_fits(loaded, width)
    assert loaded.measured["fontSize"] >= 16

    # 2 drafts approvable, 1 that needs an edit first: 2 Approve and 3 Reject buttons.
    labels = [button["text"] for button in loaded.measured["buttons"]]
    assert labels.count("✓ Approve") == 2 and labels.count("✗ Reject") == 3
    for button in loaded.measured["buttons"]:
        assert button["height"] >= 44 and button["width"] >= 88, button  # easy to tap
        assert "%20" in button["href"] and "+" not in button["href"].split("?", 1)[1]


def test_hostile_client_text_stays_inert_in_chromium(tmp_path, artifacts):
    """Client text that tries to load, run or widen things is shown as text."""
    attack = (
        '<img src="http://192.0.2.1/x.png" onerror="fetch(\'http://192.0.2.1/\')">'
        "</style></blockquote><script>location='http://192.0.2.1/'</script>"
        '<a href="https://192.0.2.1/approve">approve</a>' + "W" * 120  # one unbreakable word
    )
    view = hostile_view(attack)
    page = tmp_path / "hostile.html"
    page.write_text(render_html(view), encoding="utf-8")
    loaded = load(page, artifacts / "digest-hostile-phone-390.png", 390, 844, mobile=True)
    assert_self_contained(loaded)
    assert_fits(loaded, 390)
