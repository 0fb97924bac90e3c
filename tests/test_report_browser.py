"""Open the HTML report in headless Chromium: the DOM has what a reviewer needs and it paints."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
from test_report import sample_report

from interview_guard.report import write_reports

CHROMIUM = Path("/usr/bin/chromium")
TIMEOUT_S = 120

pytestmark = pytest.mark.browser


def _chromium(args: list[str], profile: Path) -> subprocess.CompletedProcess:
    if not CHROMIUM.exists():
        pytest.fail("headless Chromium is missing (/usr/bin/chromium): run make sysdeps")
    cmd = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--disable-dev-shm-usage", "--hide-scrollbars", f"--user-data-dir={profile}", *args]
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail(f"chromium did not finish within {TIMEOUT_S} s: {' '.join(cmd)}")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    out = tmp_path_factory.mktemp("browser")
    paths = write_reports(sample_report("high"), out / "report")
    png = out / "shot.png"
    shot = _chromium([f"--screenshot={png}", "--window-size=1280,2000", paths.html.as_uri()], out / "profile1")
    dom = _chromium(["--dump-dom", paths.html.as_uri()], out / "profile2")
    return paths, png, shot, dom


def test_dom_has_badge_rows_and_svg(rendered):
    _, _, _, dom = rendered
    assert dom.returncode == 0, dom.stderr[-2000:]
    html = dom.stdout
    assert re.search(r'<div class="badge risk-high" id="risk-badge" data-level="high">high', html)
    assert "verification needed. This is not a hiring decision." in html
    rows = re.findall(r'<tr class="signal status-\w+[^"]*" data-signal="([^"]+)"', html)
    assert sorted(rows) == sorted(s.name for s in sample_report().signals)
    assert re.search(r"<svg[^>]*class=\"timeline\"", html) and html.count('class="ev ev-flag"') == 2
    assert html.count('<img class="thumb"') == 1


def test_screenshot_is_not_blank(rendered):
    from PIL import Image

    _, png, shot, _ = rendered
    assert shot.returncode == 0 and png.is_file(), shot.stderr[-2000:]
    img = np.asarray(Image.open(png).convert("RGB"), dtype=np.float32)
    assert img.shape[1] == 1280
    assert img.std() > 20.0  # a blank or failed page is one flat colour
    # the red "high" badge is painted near the top of the page
    top = img[:500]
    red = (top[..., 0] > 150) & (top[..., 1] < 80) & (top[..., 2] < 80)
    assert red.sum() > 2000
