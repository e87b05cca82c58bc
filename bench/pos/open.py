"""How long the till takes to open, in headless Chromium (prints figures; never pass/fail).

For LOGIN's store: a till with an open session is made if there is none (as the administrator);
then, ROUNDS times, a browser with an empty profile opens /pos?till=ID, signs in and waits until
the till shows with its catalogue ("cold": the pages and the whole store catalogue downloaded),
then the same browser opens it again ("warm": pages from the service worker, the catalogue from
IndexedDB, only its changes asked for). The time runs from the sign-in click to the till on
screen with its catalogue. Medians are printed with the catalogue's size and the group's SKUs.

Usage: open.py URL DB LOGIN PASSWORD ADMIN_PASSWORD [ROUNDS]
"""
import statistics
import sys
import time
import uuid

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from odoo_api import base36, caller

url, db, login, password, admin_password = sys.argv[1:6]
rounds = int(sys.argv[6]) if len(sys.argv) > 6 else 5
rpc = caller(url, db, "admin", admin_password)
user = rpc("res.users", "search_read", [["login", "=", login]], fields=["company_id"])
if not user:
    sys.exit("no user " + login)
store = user[0]["company_id"][0]
tills = rpc("pos.config", "search", [["company_id", "=", store]], company=store, limit=1)
if tills:
    till = tills[0]
else:
    if not rpc("stock.warehouse", "search", [["company_id", "=", store]], company=store):
        rpc("stock.warehouse", "create", [{"name": "Store %d" % store, "code": "W" + base36(store), "company_id": store}], company=store)
    cash = rpc("pos.payment.method", "create", [{"name": "现金", "type": "cash", "company_id": store}], company=store)
    till = rpc("pos.config", "create", [{"name": "收银台 " + uuid.uuid4().hex[:4], "company_id": store, "payment_method_ids": [(6, 0, cash)]}],
               company=store)[0]
session = rpc("pos.config", "read", [till], ["current_session_id"], company=store)[0]["current_session_id"]
session_id = session[0] if session else rpc("pos.session", "create", [{"config_id": till}], company=store)[0]
if rpc("pos.session", "read", [session_id], ["state"], company=store)[0]["state"] == "opening_control":
    rpc("pos.session", "set_cashbox_pos", [session_id], 0, company=store)
skus = rpc("product.product", "search_count", [])


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1024,900"):
        options.add_argument(argument)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def open_till(driver):
    driver.get(url + "/pos?till=%d" % till)
    WebDriverWait(driver, 60).until(lambda d: d.find_element(By.ID, "login").is_displayed())
    for element_id, value in (("login", login), ("password", password), ("db", db)):
        field = driver.find_element(By.ID, element_id)
        field.clear()
        field.send_keys(value)
    started = time.perf_counter()
    driver.find_element(By.ID, "signin").click()
    try:
        WebDriverWait(driver, 120, poll_frequency=0.01).until(
            lambda d: d.find_element(By.ID, "till-view").is_displayed() and d.find_element(By.ID, "catalogue").get_attribute("data-count") != "0")
    except Exception:
        sys.exit("the till did not open: " + driver.execute_script("return document.body.innerText"))
    elapsed = time.perf_counter() - started
    return elapsed, int(driver.find_element(By.ID, "catalogue").get_attribute("data-count"))


cold, warm, sizes = [], [], set()
for _ in range(rounds):
    driver = browser()
    try:
        seconds, size = open_till(driver)
        cold.append(seconds)
        sizes.add(size)
        WebDriverWait(driver, 30).until(lambda d: d.execute_script("return !!(navigator.serviceWorker && navigator.serviceWorker.controller)"))
        seconds, size = open_till(driver)
        warm.append(seconds)
        sizes.add(size)
    finally:
        driver.quit()
print("till open, %s at company %d, %d SKUs in the group, store catalogue %s barcodes, %d rounds" % (
    login, store, skus, "/".join(str(s) for s in sorted(sizes)), rounds))
print("  cold (empty browser: pages and catalogue downloaded): median %.2f s  (min %.2f, max %.2f)" % (
    statistics.median(cold), min(cold), max(cold)))
print("  warm (pages from the service worker, catalogue from IndexedDB): median %.2f s  (min %.2f, max %.2f)" % (
    statistics.median(warm), min(warm), max(warm)))
