"""Back-office timings in headless Chromium (prints figures; never pass/fail), per user:
  - first paint of the product list: from the navigation to /web#model=product.product (the page,
    the session, menus, views, the count and the first 80 rows) until the list is drawn;
  - list paging: from a click on "next page" until the next 80 rows are drawn;
  - beside them, the list's own two calls (search_count + search_read 80 × 7) over JSON-RPC.
  python3 bench/backoffice/paint.py URL DB LOGIN:PASSWORD [LOGIN:PASSWORD ...]   (RUNS=7, PAGES=10)"""
import http.cookiejar
import json
import os
import statistics
import sys
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tests", "conformance"))
from conftest import headless_chromium  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

URL, DB = sys.argv[1], sys.argv[2]
USERS = [pair.split(":", 1) for pair in sys.argv[3:]]
RUNS, PAGES = int(os.environ.get("RUNS", "7")), int(os.environ.get("PAGES", "10"))
LIST = "model=product.product"
FIELDS = ["default_code", "name", "barcode", "categ_id", "lst_price", "uom_id", "qty_available"]


def seq(driver):
    return int(driver.find_element(By.ID, "view").get_attribute("data-seq") or 0)


def wait_drawn(driver, before):
    WebDriverWait(driver, 120).until(lambda d: seq(d) > before)
    return float(driver.find_element(By.ID, "view").get_attribute("data-drawn-at"))


def first_paint(login, password):
    driver = headless_chromium("1400,900")
    try:
        driver.get(URL + "/web")
        WebDriverWait(driver, 30).until(lambda d: d.find_element(By.ID, "login").is_displayed())
        driver.find_element(By.ID, "login").send_keys(login)
        driver.find_element(By.ID, "password").send_keys(password)
        driver.find_element(By.ID, "db").send_keys(DB)
        driver.find_element(By.ID, "signin").click()
        WebDriverWait(driver, 120).until(lambda d: seq(d) > 0)
        paints, pages = [], []
        for _ in range(RUNS):
            # A fresh page load straight onto the list, with the session already open.
            driver.get("about:blank")
            driver.get(URL + "/web#" + LIST)
            paints.append(wait_drawn(driver, 0))
        for _ in range(PAGES):
            before = seq(driver)
            started = driver.execute_script("var t = performance.now(); document.getElementById('next').click(); return t;")
            pages.append(wait_drawn(driver, before) - started)
        total = driver.find_element(By.ID, "pager-value").text
        return paints, pages, total
    finally:
        driver.quit()


def calls(login, password):
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def rpc(path, params):
        body = json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": params}).encode()
        with opener.open(urllib.request.Request(URL + path, data=body, headers={"Content-Type": "application/json"}), timeout=120) as r:
            return json.loads(r.read())["result"]

    rpc("/web/session/authenticate", {"db": DB, "login": login, "password": password})
    times = []
    for page in range(RUNS + 3):
        started = time.perf_counter()
        rpc("/web/dataset/call_kw", {"model": "product.product", "method": "search_count", "args": [[]], "kwargs": {}})
        rpc("/web/dataset/call_kw", {"model": "product.product", "method": "search_read", "args": [[], FIELDS],
                                     "kwargs": {"offset": 80 * page, "limit": 80}})
        times.append((time.perf_counter() - started) * 1000)
    return times[3:]


def med(values):
    return statistics.median(values)


print(f"{'user':<22} {'products':>10} {'first paint (median, min–max)':>32} {'next page (median, p90)':>26} {'the 2 calls':>12}")
for login, password in USERS:
    paints, pages, total = first_paint(login, password)
    raw = calls(login, password)
    p90 = sorted(pages)[int(0.9 * (len(pages) - 1))]
    print(f"{login:<22} {total.split(' ')[-1]:>10} {med(paints):>10.0f} ms ({min(paints):.0f}–{max(paints):.0f}){'':>8} "
          f"{med(pages):>10.0f} ms ({p90:.0f}){'':>6} {med(raw):>8.0f} ms")
