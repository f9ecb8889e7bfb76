"""The labelling page in a real browser: Debian's Chromium, headless, driven through chromedriver
against the real server (gunicorn, one worker) on a free 127.0.0.1 port.

One server and one browser serve the whole module; each test uses texts of its own.  The
only skip: Chromium or chromedriver is not installed.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from service_fixtures import ARTICLE, TOKEN, running
from service_fixtures import Server as SharedServer

pytest_plugins = ["service_fixtures"]

ROOT = Path(__file__).resolve().parent.parent
# The README's screenshot: written when NEWSSIFT_SCREENSHOT=1, so that a test run leaves the
# checkout as it was (``NEWSSIFT_SCREENSHOT=1 pytest tests/test_page.py`` renews it).
SCREENSHOT = ROOT / "docs" / "labelling-page.png"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
MISSING = "chromium and chromium-driver are not installed; `apt-get install -y chromium chromium-driver`"
VIEWPORT = (1100, 700)
WAIT_S = 20
RETRAIN_TIMEOUT_S = 240
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
       "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
CHROME_FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--window-size=1100,700")

pytestmark = pytest.mark.skipif(not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()), reason=MISSING)

# A dev dependency: without it the module is skipped, saying so, not a collection error.
pytest.importorskip("selenium", reason="selenium is not installed; pip install -e '.[dev]'")
from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import TimeoutException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


class Server(SharedServer):
    """The shared test server with one worker, and the page tests' HTTP helpers."""

    def __init__(self, data_dir: Path, seed: Path) -> None:
        super().__init__(data_dir, seed, workers=1)

    def http(self, method: str, path: str, body=None, auth: bool = False):
        """(status, headers, body): JSON bodies decoded, others as bytes."""
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if auth:
            headers["Authorization"] = f"Bearer {TOKEN}"
        req = urllib.request.Request(self.base + path, method=method, headers=headers,
                                     data=json.dumps(body).encode() if body is not None else None)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                status, got, data = r.status, r.headers, r.read()
        except urllib.error.HTTPError as exc:
            status, got, data = exc.code, exc.headers, exc.read()
        if (got.get("Content-Type") or "").startswith("application/json"):
            data = json.loads(data)
        return status, got, data

    def labels_of(self, text: str) -> list[dict]:
        status, _, data = self.http("GET", "/v1/labels", auth=True)
        assert status == 200
        return [lab for line in data.decode().splitlines() if line
                for rec in [json.loads(line)] if rec["text"] == text for lab in rec["labels"]]

    def label_count(self) -> int:
        data = self.http("GET", "/v1/labels", auth=True)[2].decode()
        return sum(len(json.loads(line)["labels"]) for line in data.splitlines() if line)


@pytest.fixture(scope="module")
def server(tmp_path_factory, seed_model_dir):
    srv = Server(tmp_path_factory.mktemp("page-server") / "data", seed_model_dir)
    with running(srv):
        yield srv


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    drv.set_page_load_timeout(30)
    # The viewport (what a screenshot holds) is 1100x700: the window is that plus its frame.
    frame = drv.execute_script("return [window.outerWidth - window.innerWidth, "
                               "window.outerHeight - window.innerHeight]")
    drv.set_window_size(VIEWPORT[0] + frame[0], VIEWPORT[1] + frame[1])
    try:
        yield drv
    finally:
        drv.quit()


# ---- helpers ----------------------------------------------------------------------------------

def wait(driver, condition, timeout: float = WAIT_S, what: str = ""):
    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.05).until(condition)
    except TimeoutException:
        raise AssertionError(f"waited {timeout} s for {what or 'a condition'}; the page says "
                             f"{message(driver)!r}, its blocks are {rows(driver)}") from None


def open_page(driver, server) -> None:
    driver.get(server.base + "/")
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#topic-legend li"), what="legend")
    if driver.execute_script("return sessionStorage.getItem('newssift.token')") != TOKEN:
        driver.find_element(By.ID, "token").send_keys(TOKEN)
        driver.find_element(By.ID, "token-use").click()
        wait(driver, lambda d: d.find_element(By.ID, "token-state").text == "token set for this tab")


def rows(driver) -> list[dict]:
    return driver.execute_script("""
        return Array.from(document.querySelectorAll('#blocks .block')).map(r => ({
            index: Number(r.dataset.index), role: r.dataset.role, topic: r.dataset.topic || null,
            correction: r.dataset.correction || null, edited: r.classList.contains('edited'),
            current: r.classList.contains('current'), score: r.querySelector('.score').textContent,
            text: r.querySelector('.text').textContent}));""")


def message(driver) -> str:
    return driver.find_element(By.ID, "message").text


def lines_of(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def paste_and_segment(driver, text: str, site: str = "") -> list[dict]:
    box = driver.find_element(By.ID, "text")
    box.clear()
    box.send_keys(text)
    field = driver.find_element(By.ID, "site")
    field.clear()
    if site:
        field.send_keys(site)
    driver.find_element(By.ID, "segment").click()
    wait(driver, lambda d: [r["text"] for r in rows(d)] == lines_of(text), what="the text's blocks")
    return rows(driver)


def keys(driver, *sequence: str) -> None:
    """Typed into whatever has the focus: the block list, once a text is segmented."""
    assert driver.switch_to.active_element.get_attribute("id") == "blocks"
    ActionChains(driver).send_keys(*sequence).perform()


def topics(driver) -> list[str]:
    return [li.text.split(" ", 1)[1] for li in driver.find_elements(By.CSS_SELECTOR, "#topic-legend li")]


def other_role(role: str) -> tuple[str, str]:
    """(key, role) for a role other than ``role``."""
    return ("b", "boilerplate") if role != "boilerplate" else ("t", "teaser")


def wait_corrected(driver, indexes) -> list[dict]:
    wait(driver, lambda d: all(rows(d)[i]["correction"] for i in indexes), what="corrections shown")
    return rows(driver)


# ---- the tests --------------------------------------------------------------------------------

TEXT_A = ("Engineers reopened the northern rail line on Tuesday after three weeks of repairs.\n"
          "Sign up for the morning briefing from the Valley Courier\n"
          "The line carries most of the region's grain to the port, officials said.\n"
          "Freight operators welcomed the news but warned of delays through the winter.\n"
          "Share this story with a friend\n")


def test_correct_two_blocks_by_keyboard_and_save(driver, server, tmp_path):
    open_page(driver, server)
    assert TOKEN not in driver.current_url
    assert driver.execute_script("return localStorage.length") == 0
    before = server.label_count()
    own = paste_and_segment(driver, TEXT_A)
    assert own[0]["current"] and not any(r["correction"] for r in own)
    names = topics(driver)
    assert names[:3] == ["conflict", "politics", "culture"]  # the fixed order of the legend

    # Block 1: another role.  Block 3: main, with a topic other than its own.
    key1, role1 = other_role(own[1]["role"])
    topic3 = next(t for t in names if t != own[3]["topic"])
    digit = str(names.index(topic3) + 1)
    block3_keys = [digit] if own[3]["role"] == "main" else ["m", digit]
    keys(driver, "j", key1, "j", "j", "k", "j", *block3_keys)
    now = rows(driver)
    assert now[1]["role"] == role1 and now[1]["edited"]
    assert (now[3]["role"], now[3]["topic"], now[3]["edited"]) == ("main", topic3, True)
    assert [r["index"] for r in now if r["edited"]] == [1, 3] and now[3]["current"]
    assert driver.find_element(By.ID, "changes").text == "2 unsaved changes"

    keys(driver, "s")
    shown = wait_corrected(driver, [1, 3])
    assert "Saved 2 correction(s)" in message(driver)
    assert [r["index"] for r in shown if r["correction"]] == [1, 3]
    assert shown[1]["correction"] == shown[3]["correction"] == "document"
    assert shown[1]["role"] == role1 and (shown[3]["role"], shown[3]["topic"]) == ("main", topic3)
    assert shown[1]["score"] == "1.00" and not any(r["edited"] for r in shown)
    marks = driver.find_elements(By.CSS_SELECTOR, "#blocks .block.corrected .mark .corrected")
    assert [m.text for m in marks] == ["\u2713 corrected"] * 2

    labels = server.labels_of(TEXT_A)
    got = sorted((lab["index"], lab["role"], lab["topic"]) for lab in labels)
    assert got == [(1, role1, None), (3, None if own[3]["role"] == "main" else "main", topic3)]
    assert server.label_count() == before + 2
    driver.execute_script("window.scrollTo(0, 0)")
    assert driver.execute_script("return [innerWidth, innerHeight]") == list(VIEWPORT)
    shot = SCREENSHOT if os.environ.get("NEWSSIFT_SCREENSHOT") == "1" else tmp_path / "page.png"
    driver.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000  # a rendered page, not an empty image


TEXT_B = ("Lifeboat crews rescued four sailors off the western cape late on Sunday.\n"
          "Most read: the ten best walks along the estuary\n"
          "The yacht had lost its mast in a squall, the coastguard said.\n")


def test_u_undoes_the_last_change(driver, server):
    open_page(driver, server)
    own = paste_and_segment(driver, TEXT_B)
    key1, role1 = other_role(own[1]["role"])
    key2, role2 = other_role(own[2]["role"])
    keys(driver, "j", key1, "j", key2)
    now = rows(driver)
    assert (now[1]["role"], now[2]["role"]) == (role1, role2) and now[1]["edited"] and now[2]["edited"]
    keys(driver, "k", "u")  # undoes block 2's change, and moves there
    now = rows(driver)
    assert (now[1]["role"], now[2]["role"]) == (role1, own[2]["role"])
    assert now[1]["edited"] and not now[2]["edited"] and now[2]["current"]
    keys(driver, "u")
    assert [(r["role"], r["topic"], r["edited"]) for r in rows(driver)] == [
        (r["role"], r["topic"], False) for r in own]
    assert rows(driver)[1]["current"]
    keys(driver, "u")
    assert message(driver) == "Nothing to undo."
    assert driver.find_element(By.ID, "save").get_attribute("disabled") is not None
    keys(driver, "s")
    assert message(driver) == "No changes to save."
    assert server.labels_of(TEXT_B) == []


TEXT_R = ("Voters in the coastal district elect a new mayor on Sunday.\n"
          "Click here to read more local news\n"
          "Turnout was higher than at any election in twenty years.\n")


def test_a_refused_save_shows_the_servers_message_and_keeps_the_edits(driver, server):
    open_page(driver, server)
    own = paste_and_segment(driver, TEXT_R)
    keys(driver, "j")
    if own[1]["role"] != "boilerplate":
        keys(driver, "b")
    keys(driver, "2", "s")  # a topic on a boilerplate block
    wait(driver, lambda d: message(d).startswith("Not saved:"))
    assert "a boilerplate block has no topic" in message(driver)
    assert "error" in driver.find_element(By.ID, "message").get_attribute("class")
    now = rows(driver)
    assert (now[1]["role"], now[1]["topic"], now[1]["edited"]) == ("boilerplate", "politics", True)
    assert server.labels_of(TEXT_R) == []
    keys(driver, "u", "s")  # without the topic it is accepted (or, if nothing is left, not sent)
    if own[1]["role"] != "boilerplate":
        wait_corrected(driver, [1])
        assert [(lab["index"], lab["role"]) for lab in server.labels_of(TEXT_R)] == [(1, "boilerplate")]


MURKY = "Hello there.\nClick\nMore\n"


def test_the_queue_hands_out_the_least_certain_text_first(driver, server):
    status, _, added = server.http("POST", "/v1/documents", {"documents": [
        {"text": ARTICLE, "id": "clear"}, {"text": MURKY, "id": "murky", "site": "murky.example"}]},
        auth=True)
    assert status == 201, added
    clear, murky = added["documents"]
    assert murky["uncertainty"] > clear["uncertainty"]
    open_page(driver, server)
    driver.find_element(By.ID, "next").click()
    wait(driver, lambda d: [r["text"] for r in rows(d)] == lines_of(MURKY), what="the murky text")
    assert driver.find_element(By.ID, "text").get_attribute("value") == MURKY
    assert driver.find_element(By.ID, "site").get_attribute("value") == "murky.example"
    assert f"queue #{murky['id']}" in driver.find_element(By.ID, "queue-doc").text
    wait(driver, lambda d: "2 pending" in d.find_element(By.ID, "queue-counts").text)

    key, role = other_role(rows(driver)[1]["role"])
    keys(driver, "j", key, "s")
    wait_corrected(driver, [1])
    assert [(lab["index"], lab["role"]) for lab in server.labels_of(MURKY)] == [(1, role)]
    status, _, nxt = server.http("GET", "/v1/documents/next", auth=True)
    assert status == 200 and nxt["id"] == clear["id"]  # the labelled one left the queue
    assert server.http("GET", "/v1/documents", auth=True)[2] == {"pending": 1, "done": 1, "skipped": 0}
    wait(driver, lambda d: "1 pending" in d.find_element(By.ID, "queue-counts").text)

    driver.find_element(By.ID, "next").click()
    wait(driver, lambda d: [r["text"] for r in rows(d)] == lines_of(ARTICLE), what="the clear text")
    driver.find_element(By.ID, "skip").click()
    wait(driver, lambda d: message(d) == "The queue is empty.")
    assert server.http("GET", "/v1/documents", auth=True)[2] == {"pending": 0, "done": 1, "skipped": 1}


def test_retrain_from_the_page_and_roll_back(driver, server):
    # Adapting (the default mode) needs a stored label: make sure there is one.
    server.http("POST", "/v1/labels", {"text": TEXT_A, "labels": [{"index": 4, "role": "boilerplate"}]},
                auth=True)
    before = server.http("GET", "/v1/models")[2]
    open_page(driver, server)
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#models tbody tr"), what="model list")
    started = time.monotonic()
    driver.find_element(By.ID, "retrain").click()
    status = driver.find_element(By.ID, "retrain-status")
    wait(driver, lambda d: status.get_attribute("data-status") in ("promoted", "rejected", "failed"),
         timeout=RETRAIN_TIMEOUT_S, what="the retrain's end")
    took = time.monotonic() - started
    assert status.get_attribute("data-status") == "promoted", status.text
    assert driver.find_element(By.ID, "retrain-progress").get_attribute("value") == "1"
    assert "done" in driver.find_element(By.ID, "retrain-stage").text
    listing = server.http("GET", "/v1/models")[2]
    new = listing["active"]
    assert new != before["active"] and new in status.text
    assert new in [m["version"] for m in listing["models"]], listing
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, f"#models tr.active[data-version='{new}']"))
    print(f"retrain from the page took {took:.1f} s")

    # Roll back with the old version's button.
    old = before["active"]
    driver.find_element(By.CSS_SELECTOR, f"#models tr[data-version='{old}'] button.activate").click()
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, f"#models tr.active[data-version='{old}']"))
    assert server.http("GET", "/v1/models")[2]["active"] == old


XSS = ["<script>window.__pwned=1</script>", '<img src=x onerror="window.__pwned=2">']


def test_markup_in_a_text_is_shown_literally(driver, server):
    open_page(driver, server)
    text = "A quiet morning at the harbour market.\n" + "\n".join(XSS) + "\n"
    shown = paste_and_segment(driver, text)
    assert [r["text"] for r in shown[1:]] == XSS
    assert [e.text for e in driver.find_elements(By.CSS_SELECTOR, "#blocks .block .text")][1:] == XSS
    assert driver.find_elements(By.CSS_SELECTOR, "#blocks img, #blocks script") == []
    time.sleep(0.3)  # an onerror would have fired by now
    assert driver.execute_script("return typeof window.__pwned") == "undefined"
    # And as a correction, saved and shown again:
    keys(driver, "j", other_role(shown[1]["role"])[0], "s")
    wait_corrected(driver, [1])
    assert [r["text"] for r in rows(driver)[1:]] == XSS
    assert driver.execute_script("return typeof window.__pwned") == "undefined"


PAGE = ("<!DOCTYPE html><html><head><title>Ferry</title><script>window.__pwned = 1</script></head>"
        "<body><nav><ul><li><a href='/'>Home</a></li><li><a href='/island'>Island</a></li></ul></nav>"
        "<article><h1>Ferry timetable approved</h1><p>The harbour council approved the new ferry "
        "timetable on Tuesday, adding two evening crossings to the island.</p><div class='promo-box'>"
        "<p>Readers who join our supporters' circle receive a printed almanac of the island.</p></div>"
        "</article></body></html>")


def test_a_pasted_web_page_is_labelled_by_its_blocks_and_kept_with_its_corrections(driver, server):
    """A saved page pasted in is read as a page: its blocks, not its lines of HTML; each row says
    where its block sits; the corrections are stored with the page (the export gives it back)."""
    from newssift.classifier.html import read_page

    open_page(driver, server)
    box = driver.find_element(By.ID, "text")
    box.clear()
    driver.execute_script("arguments[0].value = arguments[1]", box, PAGE)  # one paste, not keystrokes
    driver.find_element(By.ID, "site").clear()
    driver.find_element(By.ID, "segment").click()
    blocks = read_page(PAGE).text.splitlines()
    wait(driver, lambda d: [r["text"] for r in rows(d)] == blocks, what="the page's blocks")
    titles = [r.get_attribute("title") for r in driver.find_elements(By.CSS_SELECTOR, "#blocks .block")]
    assert titles[-1] == "/html/body/article/div/p" and titles[0] == "/html/body/nav/ul/li[1]"
    assert driver.execute_script("return typeof window.__pwned") == "undefined"
    last = len(blocks) - 1
    keys(driver, *["j"] * last, "t" if rows(driver)[last]["role"] == "boilerplate" else "b", "s")
    wait_corrected(driver, [last])
    status, _, data = server.http("GET", "/v1/labels", auth=True)
    (record,) = [r for r in map(json.loads, data.decode().splitlines()) if r.get("html") == PAGE]
    assert record["text"] == "\n".join(blocks) and [lab["index"] for lab in record["labels"]] == [last]


def test_the_csp_is_sent_and_kept(driver, server):
    for path, ctype in (("/", "text/html"), ("/static/app.js", "text/javascript"),
                        ("/static/app.css", "text/css"), ("/static/favicon.svg", "image/svg+xml")):
        status, headers, _ = server.http("GET", path)
        assert status == 200 and headers["Content-Type"].startswith(ctype)
        assert headers["Content-Security-Policy"] == CSP, path
        assert headers["X-Content-Type-Options"] == "nosniff"

    driver.get_log("browser")  # drop what earlier tests logged
    open_page(driver, server)
    paste_and_segment(driver, TEXT_B)
    keys(driver, "j", "u")
    scripts = driver.execute_script(
        "return Array.from(document.scripts).map(s => [s.getAttribute('src'), s.textContent])")
    assert scripts == [["/static/app.js", ""]]
    assert driver.execute_script("return document.querySelectorAll('[style]').length") == 0
    own_log = driver.get_log("browser")
    assert not [e for e in own_log if "Content Security Policy" in e["message"]
                or "Refused to" in e["message"]], own_log

    # The browser enforces it: an inline script added to the page does not run.
    driver.execute_script("""
        window.__violations = [];
        document.addEventListener('securitypolicyviolation',
            e => window.__violations.push(e.effectiveDirective));
        const s = document.createElement('script');
        s.textContent = 'window.__inline = 1';
        document.head.appendChild(s);""")
    wait(driver, lambda d: d.execute_script("return window.__violations.length") > 0)
    assert driver.execute_script("return typeof window.__inline") == "undefined"
    assert driver.execute_script("return window.__violations")[0].startswith("script-src")


# ---- the versions table at common desktop widths (issue 21) -------------------------------------

LONG_REASON = ("worse than the active model beyond tolerance 0.02: gold_role_accuracy fell from 0.912 "
               "to 0.871; gold_topic_accuracy fell from 0.800 to 0.700; not checked: held-out data "
               "(no training data at /srv/newssift/shared/data-that-was-moved-elsewhere-last-week), "
               "labels cross-validation (1 labelled text the active model was not trained on; needs 2)")
EXTRA_VERSIONS = ("v20261207-101500-job41", "v20261207-103000-job42", "v20261207-104500-job43")
FAKE_LABEL_IDS = 1_000_000  # the made-up versions' labels: ids no test stores


@pytest.fixture(scope="module")
def many_versions(server, seed_model_dir) -> list[str]:
    """Three retrained-looking versions beside the seed, with the gate's longest reasons."""
    import shutil

    from newssift.service.db import connect
    from newssift.service.versions import record_version

    conn = connect(server.data_dir / "newssift.sqlite3")
    for n, name in enumerate(EXTRA_VERSIONS):
        shutil.copytree(seed_model_dir, server.data_dir / "models" / name)
        record_version(conn, name, "rejected", "; ".join([LONG_REASON] * (n + 1)) if n < 2 else
                       "not worse", n + 1, labels=list(range(FAKE_LABEL_IDS, FAKE_LABEL_IDS + 4 * n + 3)))
    conn.close()
    return list(EXTRA_VERSIONS)


def resize(driver, width: int, height: int) -> None:
    frame = driver.execute_script("return [window.outerWidth - window.innerWidth, "
                                  "window.outerHeight - window.innerHeight]")
    driver.set_window_size(width + frame[0], height + frame[1])
    wait(driver, lambda d: d.execute_script("return innerWidth") == width, what=f"a {width} px viewport")


@pytest.mark.parametrize("width", [1280, 1400, 1920])
def test_the_versions_table_fits_the_page(driver, server, many_versions, tmp_path, width):
    try:
        resize(driver, width, 1000)
        open_page(driver, server)
        wait(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#models tbody tr")) >= 4,
             what="the versions listed")
        driver.save_screenshot(str(tmp_path / f"versions-{width}.png"))
        print(f"screenshot: {tmp_path / f'versions-{width}.png'}")
        page = driver.execute_script("const e = document.documentElement; "
                                     "return [e.scrollWidth, e.clientWidth]")
        assert page[0] <= page[1], f"the page scrolls sideways at {width} px: {page}"
        for version in many_versions:
            row = f"#models tr[data-version='{version}']"
            button = driver.find_element(By.CSS_SELECTOR, f"{row} button.activate")
            box = driver.execute_script("""
                const b = arguments[0];
                b.scrollIntoView({block: 'center'});
                const r = b.getBoundingClientRect();
                const hit = document.elementFromPoint(r.left + 2, r.top + 2) === b
                    && document.elementFromPoint(r.right - 2, r.bottom - 2) === b;
                return {left: r.left, right: r.right, width: r.width, hit, inner: innerWidth};""",
                button)
            assert box["hit"] and 0 <= box["left"] and box["right"] <= box["inner"], (version, box)
            reason = driver.find_element(By.CSS_SELECTOR, f"{row} td.reason")
            assert reason.size["width"] >= 240, f"the reason is squeezed to {reason.size['width']} px"
    finally:
        resize(driver, *VIEWPORT)


TEXT_W = ("Ferry services to the northern islands resume after the storm.\n"
          "Subscribe to our weekend newsletter for more island stories\n"
          "Operators said the first crossing would leave at six in the morning.\n")


def test_withdrawing_a_correction_after_a_retrain_says_which_versions_keep_it(driver, server, tmp_path):
    open_page(driver, server)
    assert "retrain to drop it" in driver.find_element(By.ID, "withdraw-note").text
    own = paste_and_segment(driver, TEXT_W)
    key, role = other_role(own[1]["role"])
    keys(driver, "j", key, "s")
    wait_corrected(driver, [1])
    label_id = next(lab["id"] for lab in server.labels_of(TEXT_W) if lab["index"] == 1)
    status, _, job = server.http("POST", "/v1/retrain", {}, auth=True)
    assert status == 202, job
    deadline = time.monotonic() + RETRAIN_TIMEOUT_S
    while job["status"] == "running" and time.monotonic() < deadline:
        time.sleep(0.5)
        job = server.http("GET", f"/v1/retrain/{job['id']}", auth=True)[2]
    assert job["status"] == "promoted", job
    version = job["version"]

    open_page(driver, server)  # as a user comes back to the text
    paste_and_segment(driver, TEXT_W)
    wait_corrected(driver, [1])
    keys(driver, "j")
    assert driver.find_element(By.ID, "withdraw").is_enabled()
    keys(driver, "w")
    said = f"correction #{label_id} withdrawn; still in version {version}: retrain to drop it"
    wait(driver, lambda d: message(d) == said[0].upper() + said[1:] + ".", what="the withdrawal")
    now = rows(driver)
    assert now[1]["correction"] is None and now[1]["role"] == role  # the retrained model keeps it
    note = driver.find_element(By.CSS_SELECTOR, "#block-1 .note").text
    assert note == said
    assert [lab["index"] for lab in server.labels_of(TEXT_W)] == []
    cell = f"#models tr[data-version='{version}'] td.labels"
    wait(driver, lambda d: f"withdrawn since: #{label_id}" in d.find_element(By.CSS_SELECTOR, cell).text,
         what="the versions table naming the withdrawn correction")
    assert "retrain to drop it" in driver.find_element(By.CSS_SELECTOR, cell).text
    driver.save_screenshot(str(tmp_path / "withdrawn.png"))
