"""The `/pos` till in a real browser (headless Chromium): a cashier opens the till, scans items the
way a keyboard-wedge scanner types them, takes cash and gives change; the customer display in a
second window follows through a BroadcastChannel; twenty sales made with the network cut
(Chromium's network emulation) wait in IndexedDB and reach the server exactly once when it is
back; a resend of orders the server already has and a second tab add nothing. The books over
XML-RPC show what the screen said."""
import os
import random
import socket
import threading

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from conftest import CHROMEDRIVER, CHROMIUM, headless_chromium
from test_pos import rpc, store_till  # noqa: F401 (the fixture: execute_kw with args and kwargs as given)
from test_scan_app import ean13

WAIT = 15

if not (CHROMIUM and os.path.exists(CHROMEDRIVER)) and os.environ.get("CHAINSTORE_REQUIRE_BROWSER") != "1":
    pytest.skip("Chromium and chromedriver are not installed (apt-get install chromium chromium-driver)",
                allow_module_level=True)


@pytest.fixture
def driver():
    browser = headless_chromium("1024,900")
    yield browser
    browser.quit()


@pytest.fixture
def shop(rpc, unique):
    """The store's till (cash), and two products with barcodes: water at 5.00 and tea at 3.50."""
    store, cash, till = store_till(rpc, unique)
    rng = random.Random(unique)
    products = {}
    for name, price in (("water", 5.0), ("tea", 3.5)):
        barcode = ean13(rng)
        template = rpc("product.template", "create", [{"name": "%s %s" % (name, unique), "list_price": price, "type": "product"}])
        product = rpc("product.product", "search", [[["product_tmpl_id", "=", template]]])[0]
        rpc("product.product", "write", [[product], {"barcode": barcode}])
        products[name] = (product, barcode)
    return {"store": store, "till": till, "products": products}


def visible(driver, element_id):
    return WebDriverWait(driver, WAIT).until(EC.visibility_of_element_located((By.ID, element_id)))


def status(driver):
    box = driver.find_element(By.ID, "status")
    return {name: box.get_attribute("data-" + name) for name in ("seq", "pending", "online", "refused", "last")}


def sign_in(driver, db):
    for element_id, value in (("login", "store1"), ("password", "store1"), ("db", db)):
        field = visible(driver, element_id)
        field.clear()
        field.send_keys(value)
    driver.find_element(By.ID, "signin").click()


def open_till(driver, url, db, till, path="/pos"):
    driver.get(url + path + "?till=%d" % till)
    assert driver.title == ("Chainstore Till" if path == "/pos" else "Self-checkout")
    sign_in(driver, db)
    WebDriverWait(driver, WAIT).until(lambda d: d.find_element(By.ID, "opening-view").is_displayed()
                                      or d.find_element(By.ID, "till-view").is_displayed())
    if driver.find_element(By.ID, "opening-view").is_displayed():
        field = driver.find_element(By.ID, "opening-cash")
        field.clear()
        field.send_keys("100.00")
        driver.find_element(By.ID, "open").click()
    visible(driver, "code")


def scan(driver, barcode, qty=None):
    if qty is not None:
        field = driver.find_element(By.ID, "qty")
        field.clear()
        field.send_keys(str(qty))
    before = int(status(driver)["seq"])
    driver.find_element(By.ID, "code").send_keys(barcode + Keys.ENTER)
    WebDriverWait(driver, WAIT).until(lambda d: int(status(d)["seq"]) > before)


def pay(driver, received):
    driver.find_element(By.ID, "pay").click()
    field = visible(driver, "tendered")
    field.clear()
    field.send_keys(received)
    before = status(driver)["last"]
    driver.find_element(By.ID, "confirm").click()
    WebDriverWait(driver, WAIT).until(lambda d: status(d)["last"] != before)
    return driver.find_element(By.ID, "receipt").text


def synced(driver, timeout=WAIT):
    WebDriverWait(driver, timeout).until(lambda d: status(d)["pending"] == "0" and status(d)["online"] == "true")


def session_orders(rpc, till):
    session = rpc("pos.config", "read", [[till], ["current_session_id"]])[0]["current_session_id"][0]
    return session, rpc("pos.order", "search_read", [[["session_id", "=", session]]],
                        {"fields": ["amount_total", "amount_return", "state", "access_token", "lines"]})


def test_the_till_sells_for_cash_and_the_display_follows(driver, url, db, rpc, shop):
    rpc("pos.config", "write", [[shop["till"]], {"customer_display_messages": "会员日 全场九五折\nOpen 7:00–23:00"}])
    open_till(driver, url, db, shop["till"])
    till_window = driver.current_window_handle
    driver.find_element(By.ID, "display").click()
    WebDriverWait(driver, WAIT).until(lambda d: len(d.window_handles) == 2)
    display_window = [handle for handle in driver.window_handles if handle != till_window][0]
    driver.switch_to.window(till_window)
    water, tea = shop["products"]["water"][1], shop["products"]["tea"][1]
    scan(driver, water, qty=2)
    scan(driver, tea)
    scan(driver, water)
    assert driver.find_element(By.ID, "total").text == "18.50"
    rows = driver.find_elements(By.CSS_SELECTOR, "#lines tr")
    assert [row.find_elements(By.TAG_NAME, "td")[1].text for row in rows] == ["3", "1"]
    # An unknown code says so and adds nothing.
    scan(driver, "6900000000000")
    assert driver.find_element(By.ID, "scan-error").text and driver.find_element(By.ID, "total").text == "18.50"
    # The customer's screen shows the same cart.
    driver.switch_to.window(display_window)
    WebDriverWait(driver, WAIT).until(lambda d: d.find_element(By.ID, "display-state").get_attribute("data-total") == "18.50")
    assert len(driver.find_elements(By.CSS_SELECTOR, "#lines tr")) == 2
    driver.switch_to.window(till_window)
    receipt = pay(driver, "20")
    assert "1.50" in receipt
    driver.switch_to.window(display_window)
    WebDriverWait(driver, WAIT).until(lambda d: "1.50" in d.find_element(By.ID, "display-state").text)
    # Between sales the till's messages take turns.
    WebDriverWait(driver, WAIT).until(lambda d: d.find_element(By.ID, "message").text == "会员日 全场九五折")
    WebDriverWait(driver, WAIT).until(lambda d: d.find_element(By.ID, "message").text == "Open 7:00–23:00")
    driver.switch_to.window(till_window)
    synced(driver)
    session, orders = session_orders(rpc, shop["till"])
    assert len(orders) == 1 and orders[0]["state"] == "paid"
    assert abs(orders[0]["amount_total"] - 18.5) < 0.001 and abs(orders[0]["amount_return"] - 1.5) < 0.001
    # Goods left the store: three bottles of water.
    water_id = shop["products"]["water"][0]
    assert sum(q["quantity"] for q in rpc("stock.quant", "search_read", [[["product_id", "=", water_id]]], {"fields": ["quantity"]})) == -3


def test_twenty_offline_sales_arrive_once_through_resends_and_a_second_tab(driver, url, db, rpc, shop):
    open_till(driver, url, db, shop["till"])
    water = shop["products"]["water"][1]
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.emulateNetworkConditions",
                           {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
    for _ in range(20):
        scan(driver, water)
        pay(driver, "5")
    WebDriverWait(driver, WAIT).until(lambda d: status(d)["pending"] == "20" and status(d)["online"] == "false")
    session, orders = session_orders(rpc, shop["till"])
    assert orders == []
    # Keep a copy of what the till holds, to send it again later.
    held = driver.execute_async_script("""
        var done = arguments[arguments.length - 1];
        var open = indexedDB.open("chainstore-pos");
        open.onsuccess = function () {
          var request = open.result.transaction("outbox").objectStore("outbox").getAll();
          request.onsuccess = function () { done(request.result); };
        };""")
    assert len(held) == 20
    # A second tab of the same till, opened while the first is still offline.
    first = driver.current_window_handle
    driver.switch_to.new_window("tab")
    open_till(driver, url, db, shop["till"])
    driver.switch_to.window(first)
    driver.execute_cdp_cmd("Network.emulateNetworkConditions",
                           {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
    synced(driver, timeout=30)
    session, orders = session_orders(rpc, shop["till"])
    assert len(orders) == 20 and len({o["access_token"] for o in orders}) == 20
    assert all(o["state"] == "paid" for o in orders)
    # The same twenty sent again (a lost answer, a reload mid-sync): nothing new.
    driver.execute_async_script("""
        var items = arguments[0], done = arguments[arguments.length - 1];
        var open = indexedDB.open("chainstore-pos");
        open.onsuccess = function () {
          var tx = open.result.transaction("outbox", "readwrite");
          items.forEach(function (item) { tx.objectStore("outbox").put(item); });
          tx.oncomplete = function () { done(true); };
        };""", held)
    driver.refresh()
    sign_in(driver, db)
    visible(driver, "code")
    synced(driver, timeout=30)
    assert status(driver)["refused"] == "0"
    assert len(session_orders(rpc, shop["till"])[1]) == 20
    # The receipts of two page loads never share a prefix.
    uids = sorted(o["access_token"] for o in orders)
    assert len(set(uids)) == 20
    names = rpc("pos.order", "search_read", [[["session_id", "=", session]]], {"fields": ["name", "session_seq"]})
    assert sorted(n["session_seq"] for n in names) == list(range(1, 21))


@pytest.mark.skipif(not os.environ.get("CHAINSTORE_SANDBOX_URL"), reason="the payment sandbox is not running (CHAINSTORE_SANDBOX_URL)")
def test_a_payment_code_waits_for_the_customer_and_survives_a_reload(driver, url, db, rpc, shop, unique):
    wechat = rpc("pos.payment.method", "create", [{"name": "微信支付 " + unique, "type": "bank", "payment_channel": "wechat",
                                                   "company_id": shop["store"]}])
    rpc("pos.config", "write", [[shop["till"]], {"payment_method_ids": [(4, wechat)]}])
    group = rpc("res.groups", "search", [[["name", "=", "Payments / Refunds"]]])[0]
    cashier = rpc("res.users", "search", [[["login", "=", "store1"]]])[0]
    rpc("res.users", "write", [[cashier], {"groups_id": [(4, group)]}])
    try:
        open_till(driver, url, db, shop["till"])
        water, tea = shop["products"]["water"][1], shop["products"]["tea"][1]
        scan(driver, water)
        scan(driver, tea)
        driver.find_element(By.ID, "pay-code").click()
        # The sandbox's WeChat code ending in 06: paid, but the channel answers only after 4 s.
        visible(driver, "auth-code").send_keys("134567890123456706" + Keys.ENTER)
        WebDriverWait(driver, WAIT).until(lambda d: d.find_element(By.ID, "code-state").get_attribute("data-state") == "pending")
        # The page is reloaded while the channel has not answered: the attempt and its cart come back,
        # the same attempt is asked again, and it is paid once.
        driver.refresh()
        sign_in(driver, db)
        WebDriverWait(driver, 30).until(lambda d: d.find_element(By.ID, "code-state").get_attribute("data-state") == "paid")
        WebDriverWait(driver, WAIT).until(lambda d: status(d)["last"] != "")
        synced(driver)
        session, orders = session_orders(rpc, shop["till"])
        assert len(orders) == 1 and abs(orders[0]["amount_total"] - 8.5) < 0.001 and orders[0]["state"] == "paid"
        payments = rpc("pos.payment", "search_read", [[["pos_order_id", "=", orders[0]["id"]]]],
                       {"fields": ["card_type", "payment_reference", "amount"]})
        assert len(payments) == 1 and payments[0]["card_type"] == "wechat" and payments[0]["payment_reference"]
        # The customer brings it all back: the money goes back to WeChat Pay through the payments
        # module (the cashier has the Payments / Refunds right), and the refund order names the refund.
        name = rpc("pos.order", "read", [[orders[0]["id"]], ["name"]])[0]["name"]
        driver.find_element(By.ID, "refund").click()
        visible(driver, "refund-name").send_keys(name + Keys.ENTER)
        WebDriverWait(driver, WAIT).until(lambda d: d.find_element(By.ID, "total").text == "-8.50")
        before = status(driver)["last"]
        driver.find_element(By.ID, "pay-code").click()
        try:
            WebDriverWait(driver, 40).until(lambda d: status(d)["last"] != before)
        except Exception:
            raise AssertionError(driver.find_element(By.ID, "code-state").text + " | " + driver.find_element(By.ID, "scan-error").text)
        assert driver.find_element(By.ID, "code-state").get_attribute("data-state") == "refunded"
        synced(driver)
        refund = rpc("pos.order", "search_read", [[["session_id", "=", session], ["is_refund", "=", True]]], {"fields": ["amount_total"]})
        assert len(refund) == 1 and abs(refund[0]["amount_total"] + 8.5) < 0.001
        back = rpc("pos.payment", "search_read", [[["pos_order_id", "=", refund[0]["id"]]]], {"fields": ["card_type", "payment_reference", "amount"]})
        assert len(back) == 1 and back[0]["card_type"] == "wechat" and back[0]["amount"] == -8.5
        assert back[0]["payment_reference"] and back[0]["payment_reference"] != payments[0]["payment_reference"]
        # A code that is refused (insufficient funds, ending in 03) takes nothing and leaves the cart to pay again.
        scan(driver, water)
        driver.find_element(By.ID, "pay-code").click()
        visible(driver, "auth-code").send_keys("134567890123456703" + Keys.ENTER)
        WebDriverWait(driver, WAIT).until(lambda d: d.find_element(By.ID, "code-state").get_attribute("data-state") == "failed")
        assert driver.find_element(By.ID, "total").text == "5.00"
        assert len(session_orders(rpc, shop["till"])[1]) == 2
    finally:
        rpc("res.users", "write", [[cashier], {"groups_id": [(3, group)]}])


def test_a_discount_with_its_reason_then_a_refund_of_the_receipt(driver, url, db, rpc, shop):
    open_till(driver, url, db, shop["till"])
    water_id, water = shop["products"]["water"]
    scan(driver, water, qty=2)
    driver.find_element(By.CSS_SELECTOR, "#lines tr").click()
    driver.find_element(By.ID, "discount").click()
    visible(driver, "discount-percent").send_keys("5")
    # A discount without its reason is refused on the till.
    driver.find_element(By.ID, "apply-discount").click()
    assert driver.find_element(By.ID, "scan-error").text and driver.find_element(By.ID, "total").text == "10.00"
    driver.find_element(By.ID, "discount-reason").send_keys("dented")
    driver.find_element(By.ID, "apply-discount").click()
    WebDriverWait(driver, WAIT).until(lambda d: d.find_element(By.ID, "total").text == "9.50")
    assert "0.50" in pay(driver, "10")
    synced(driver)
    session, orders = session_orders(rpc, shop["till"])
    assert len(orders) == 1 and abs(orders[0]["amount_total"] - 9.5) < 0.001
    line = rpc("pos.order.line", "search_read", [[["order_id", "=", orders[0]["id"]]]], {"fields": ["discount", "discount_reason"]})[0]
    assert line["discount"] == 5 and line["discount_reason"] == "dented"
    name = rpc("pos.order", "read", [[orders[0]["id"]], ["name"]])[0]["name"]
    # The customer brings both bottles back: the receipt's lines come back negative, cash goes back.
    driver.find_element(By.ID, "refund").click()
    visible(driver, "refund-name").send_keys(name + Keys.ENTER)
    WebDriverWait(driver, WAIT).until(lambda d: d.find_element(By.ID, "total").text == "-9.50")
    driver.find_element(By.ID, "pay").click()
    before = status(driver)["last"]
    visible(driver, "confirm").click()
    WebDriverWait(driver, WAIT).until(lambda d: status(d)["last"] != before)
    synced(driver)
    refunds = rpc("pos.order", "search_read", [[["session_id", "=", session], ["is_refund", "=", True]]], {"fields": ["amount_total", "name"]})
    assert len(refunds) == 1 and abs(refunds[0]["amount_total"] + 9.5) < 0.001 and refunds[0]["name"].endswith("REFUND")
    quants = rpc("stock.quant", "search_read", [[["product_id", "=", water_id]]], {"fields": ["quantity"]})
    assert sum(q["quantity"] for q in quants) == 0
    # Nothing is left to give back on that receipt.
    driver.find_element(By.ID, "refund").click()
    field = visible(driver, "refund-name")
    field.clear()
    field.send_keys(name + Keys.ENTER)
    WebDriverWait(driver, WAIT).until(lambda d: d.find_element(By.ID, "scan-error").text != "")
    # A discount above the cashier's limit leaves the till but the server refuses it, and says so.
    scan(driver, water)
    driver.find_element(By.ID, "discount").click()
    field = visible(driver, "discount-percent")
    field.clear()
    field.send_keys("50")
    reason = driver.find_element(By.ID, "discount-reason")
    reason.clear()
    reason.send_keys("friend")
    driver.find_element(By.ID, "apply-discount").click()
    pay(driver, "2.50")
    WebDriverWait(driver, WAIT).until(lambda d: status(d)["refused"] == "1" and status(d)["pending"] == "0")
    assert "limit" in driver.find_element(By.ID, "refused").text


def ean13_check(body):
    total = sum(int(c) * (3 if i % 2 == 0 else 1) for i, c in enumerate(reversed(body)))
    return body + str((10 - total % 10) % 10)


def test_a_scale_label_sells_its_weight(driver, url, db, rpc, shop, unique):
    """A weighed item (price per kg) from the default nomenclature's weight labels, 21 + item + NN.DDD kg."""
    item = "%05d" % (int(unique[-5:], 16) % 100000)
    template = rpc("product.template", "create", [{"name": "苹果 " + unique, "list_price": 8.0, "type": "product", "to_weight": True}])
    product = rpc("product.product", "search", [[["product_tmpl_id", "=", template]]])[0]
    rpc("product.product", "write", [[product], {"barcode": ean13_check("21" + item + "00000")}])
    open_till(driver, url, db, shop["till"])
    scan(driver, ean13_check("21" + item + "01250"))      # 1.250 kg
    scan(driver, ean13_check("21" + item + "00500"))      # 0.500 kg, a line of its own
    rows = driver.find_elements(By.CSS_SELECTOR, "#lines tr")
    assert [row.find_elements(By.TAG_NAME, "td")[1].text for row in rows] == ["1.25", "0.5"]
    assert driver.find_element(By.ID, "total").text == "14.00"
    pay(driver, "14")
    synced(driver)
    session, orders = session_orders(rpc, shop["till"])
    lines = rpc("pos.order.line", "search_read", [[["order_id", "=", orders[0]["id"]]]], {"fields": ["qty", "price_subtotal_incl"]})
    assert sorted((l["qty"], l["price_subtotal_incl"]) for l in lines) == [(0.5, 4.0), (1.25, 10.0)]


@pytest.mark.skipif(not os.environ.get("CHAINSTORE_SANDBOX_URL"), reason="the payment sandbox is not running (CHAINSTORE_SANDBOX_URL)")
def test_the_kiosk_takes_payment_codes_only_and_calls_staff_for_weighed_and_age_checked_items(driver, url, db, rpc, shop, unique):
    wechat = rpc("pos.payment.method", "create", [{"name": "微信支付 " + unique, "type": "bank", "payment_channel": "wechat",
                                                   "company_id": shop["store"]}])
    rpc("pos.config", "write", [[shop["till"]], {"payment_method_ids": [(4, wechat)], "self_ordering_mode": "kiosk"}])
    item = "%05d" % (int(unique[-5:], 16) % 100000)
    template = rpc("product.template", "create", [{"name": "香蕉 " + unique, "list_price": 6.0, "type": "product", "to_weight": True}])
    weighed = rpc("product.product", "search", [[["product_tmpl_id", "=", template]]])[0]
    rpc("product.product", "write", [[weighed], {"barcode": ean13_check("21" + item + "00000")}])
    # Beer: its category's parent is sold only after an age check.
    adults = rpc("product.category", "create", [{"name": "酒类 " + unique, "pos_age_check": True}])
    beers = rpc("product.category", "create", [{"name": "啤酒 " + unique, "parent_id": adults}])
    beer_template = rpc("product.template", "create", [{"name": "啤酒 " + unique, "list_price": 4.0, "type": "product", "categ_id": beers}])
    beer = rpc("product.product", "search", [[["product_tmpl_id", "=", beer_template]]])[0]
    beer_code = ean13(random.Random(unique + "beer"))
    rpc("product.product", "write", [[beer], {"barcode": beer_code}])
    open_till(driver, url, db, shop["till"], path="/pos/kiosk")
    # What only staff may do is not on the customer's screen.
    for element_id in ("pay", "discount", "refund", "park", "qty"):
        assert not driver.find_element(By.ID, element_id).is_displayed(), element_id
    scan(driver, ean13_check("21" + item + "01000"))
    assert driver.find_element(By.ID, "staff").get_attribute("data-state") == "called"
    assert driver.find_elements(By.CSS_SELECTOR, "#lines tr") == []
    driver.find_element(By.ID, "cancel-staff").click()
    assert not driver.find_element(By.ID, "attendant-form").is_displayed()
    scan(driver, beer_code)
    assert "啤酒" in driver.find_element(By.ID, "staff").text or "age" in driver.find_element(By.ID, "staff").text
    assert driver.find_elements(By.CSS_SELECTOR, "#lines tr") == []
    # The attendant signs in on the kiosk itself: a wrong password is refused on the screen, the
    # store's staff member approves, and the beer joins the cart as approved.
    visible(driver, "attendant-login").send_keys("gz.manager")
    driver.find_element(By.ID, "attendant-password").send_keys("wrong" + Keys.ENTER)
    WebDriverWait(driver, WAIT).until(lambda d: d.find_element(By.ID, "attendant-error").text != "")
    assert driver.find_elements(By.CSS_SELECTOR, "#lines tr") == []
    before = int(status(driver)["seq"])
    driver.find_element(By.ID, "attendant-password").send_keys("gz.manager" + Keys.ENTER)
    WebDriverWait(driver, WAIT).until(lambda d: int(status(d)["seq"]) > before and d.find_elements(By.CSS_SELECTOR, "#lines tr"))
    assert driver.find_element(By.ID, "staff").get_attribute("data-state") == "approved"
    assert "Guangzhou Manager" in driver.find_element(By.CSS_SELECTOR, "#lines tr").text
    token = driver.execute_script("return JSON.parse(sessionStorage.getItem('chainstore-pos-cart-' + arguments[0]))"
                                  ".cart.lines.find(function (l) { return l.approval; }).approval", shop["till"])
    scan(driver, shop["products"]["tea"][1])
    driver.find_element(By.ID, "pay-code").click()
    before = status(driver)["last"]
    visible(driver, "auth-code").send_keys("134567890123456700" + Keys.ENTER)
    WebDriverWait(driver, 30).until(lambda d: status(d)["last"] != before)
    synced(driver)
    session, orders = session_orders(rpc, shop["till"])
    assert len(orders) == 1 and abs(orders[0]["amount_total"] - 7.5) < 0.001, orders
    approvals = rpc("pos.attendant.approval", "search_read", [[["session_id", "=", session]]],
                    {"fields": ["product_id", "attendant_id", "reason", "order_key"]})
    assert [(a["product_id"][0], a["attendant_id"][1], a["reason"], a["order_key"]) for a in approvals] == \
        [(beer, "Guangzhou Manager", "age", orders[0]["access_token"])]
    # Cash sent to a kiosk's session anyway is refused by the server.
    cash_order = {"data": {"uid": "k-" + unique, "pos_session_id": session, "order_uuid": "k-" + unique, "amount_total": 3.5,
                           "amount_paid": 3.5, "amount_return": 0,
                           "lines": [[0, 0, {"product_id": shop["products"]["tea"][0], "qty": 1, "price_unit": 3.5, "price_subtotal_incl": 3.5}]],
                           "statement_ids": [[0, 0, {"payment_method_id": rpc("pos.config", "read", [[shop["till"]], ["payment_method_ids"]])[0]["payment_method_ids"][0],
                                                     "amount": 3.5}]]}}
    answer = rpc("pos.order", "create_from_ui", [[cash_order], False])[0]
    assert answer["status"] == "rejected" and "payment code" in answer["error"]
    # So is an age-checked item without an attendant's approval, however it is paid.
    beer_order = {"data": dict(cash_order["data"], uid="b-" + unique, order_uuid="b-" + unique, amount_total=4.0, amount_paid=4.0,
                               lines=[[0, 0, {"product_id": beer, "qty": 1, "price_unit": 4.0, "price_subtotal_incl": 4.0}]],
                               statement_ids=[[0, 0, {"payment_method_id": wechat, "amount": 4.0, "payment_reference": "x-" + unique}]])}
    answer = rpc("pos.order", "create_from_ui", [[beer_order], False])[0]
    assert answer["status"] == "rejected" and "age check" in answer["error"], answer
    # The approval the sale spent serves no second sale.
    beer_order["data"]["lines"][0][2]["attendant_approval"] = token
    answer = rpc("pos.order", "create_from_ui", [[beer_order], False])[0]
    assert answer["status"] == "rejected" and "another sale has used it" in answer["error"], answer


class Gate:
    """A TCP forwarder in front of the node: the browser reaches the node through it only, and
    closing it is the network going down for everything in the browser, the service worker
    included (Chromium's network emulation covers the page alone)."""

    def __init__(self, target):
        host, port = target.split("//")[1].split(":")
        self.target = (host, int(port.split("/")[0]))
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.url = "http://127.0.0.1:%d" % self.listener.getsockname()[1]
        self.up = True
        self.sockets = []
        self.page_loads = 0      # requests for the till's page that reached the node
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.up:
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self.pipe, args=(a, b, a is client), daemon=True).start()

    def pipe(self, source, sink, asked):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if asked:
                    self.page_loads += data.count(b"GET /pos?")
                sink.sendall(data)
        except OSError:
            pass
        for s in (source, sink):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self):
        self.up = False
        for s in self.sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass
        self.sockets = []

    def restore(self):
        self.up = True

    def close(self):
        self.cut()
        self.listener.close()


def test_a_customer_display_on_another_device_follows_the_till_through_the_bus(driver, url, db, rpc, shop):
    rpc("pos.config", "write", [[shop["till"]], {"customer_display_remote": True}])
    other = headless_chromium("800,600")
    try:
        # Another browser (no BroadcastChannel reaches it): it signs in and follows the bus.
        other.get(url + "/pos/display?till=%d&remote=1" % shop["till"])
        sign_in(other, db)
        WebDriverWait(other, WAIT).until(lambda d: not d.find_element(By.ID, "signin-view").is_displayed())
        open_till(driver, url, db, shop["till"])
        scan(driver, shop["products"]["water"][1], qty=2)
        scan(driver, shop["products"]["tea"][1])
        WebDriverWait(other, WAIT).until(lambda d: d.find_element(By.ID, "display-state").get_attribute("data-total") == "13.50")
        assert len(other.find_elements(By.CSS_SELECTOR, "#lines tr")) == 2
        pay(driver, "20")
        WebDriverWait(other, WAIT).until(lambda d: "6.50" in d.find_element(By.ID, "display-state").text)
        # Nobody else follows a till they may not read.
        answer = other.execute_async_script("""
            var done = arguments[arguments.length - 1];
            fetch("/websocket/peek_notifications?db=" + arguments[0], {method: "POST", headers: {"Content-Type": "application/json",
                  "Authorization": "Basic " + btoa("store1:store1")},
                  body: JSON.stringify({params: {channels: [JSON.stringify(["pos.config", 999999999, "display"])], last: 0}})})
              .then(function (r) { return r.json(); }).then(done);""", db)
        assert not any("999999999" in channel for channel in answer["result"]["channels"])
    finally:
        other.quit()


def test_the_till_opens_and_sells_from_a_cold_start_with_the_server_out_of_reach(driver, url, db, rpc, shop, unique):
    # A weighed item: its scale labels are read on the till with the store's nomenclature.
    item = "%05d" % (int(unique[-5:], 16) % 100000)
    template = rpc("product.template", "create", [{"name": "梨 " + unique, "list_price": 8.0, "type": "product", "to_weight": True}])
    pear = rpc("product.product", "search", [[["product_tmpl_id", "=", template]]])[0]
    rpc("product.product", "write", [[pear], {"barcode": ean13_check("21" + item + "00000")}])
    gate = Gate(url)
    try:
        open_till(driver, gate.url, db, shop["till"])
        # The service worker holds the pages and files once it controls the page.
        WebDriverWait(driver, 30).until(lambda d: d.execute_script("return !!(navigator.serviceWorker && navigator.serviceWorker.controller)"))
        assert int(driver.find_element(By.ID, "catalogue").get_attribute("data-count")) >= 2
        # Online, the worker asks the node for the page first (a new release is seen at once).
        loads = gate.page_loads
        driver.get(gate.url + "/pos?till=%d" % shop["till"])
        sign_in(driver, db)
        visible(driver, "code")
        assert gate.page_loads == loads + 1
        first = status(driver)["last"]
        water, tea = shop["products"]["water"][1], shop["products"]["tea"][1]
        scan(driver, water)
        pay(driver, "5")
        synced(driver)
        gate.cut()
        # The browser is restarted on the till's page with the server out of reach: the page comes
        # from the worker, a wrong password is refused, the right one lets the cashier in.
        driver.get(gate.url + "/pos?till=%d" % shop["till"])
        for element_id, value in (("login", "store1"), ("password", "wrong"), ("db", db)):
            field = visible(driver, element_id)
            field.clear()
            field.send_keys(value)
        driver.find_element(By.ID, "signin").click()
        WebDriverWait(driver, WAIT).until(lambda d: d.find_element(By.ID, "signin-error").text != "")
        assert not driver.find_element(By.ID, "till-view").is_displayed()
        sign_in(driver, db)
        try:
            visible(driver, "code")
        except Exception:
            raise AssertionError(driver.execute_script("return document.body.innerText") + str(driver.get_log("browser")))
        # Sold from the catalogue on the device, kept in the outbox.
        scan(driver, water, qty=2)
        scan(driver, tea)
        scan(driver, ean13_check("21" + item + "01250"))      # 1.250 kg of pears at 8.00
        rows = driver.find_elements(By.CSS_SELECTOR, "#lines tr")
        assert [row.find_elements(By.TAG_NAME, "td")[1].text for row in rows] == ["2", "1", "1.25"]
        assert driver.find_element(By.ID, "total").text == "23.50"
        pay(driver, "30")
        WebDriverWait(driver, WAIT).until(lambda d: status(d)["pending"] == "1" and status(d)["online"] == "false")
        offline_uid = status(driver)["last"]
        assert offline_uid != first
        assert len(session_orders(rpc, shop["till"])[1]) == 1
        gate.restore()
        synced(driver, timeout=30)
        session, orders = session_orders(rpc, shop["till"])
        assert len(orders) == 2 and sorted(round(o["amount_total"], 2) for o in orders) == [5.0, 23.5]
        # The receipt uids of the two page loads differ although the second never reached the server.
        assert len({o["access_token"] for o in orders}) == 2
    finally:
        gate.close()


def test_a_price_change_reaches_the_till_through_the_bus_and_stays_on_the_device(driver, url, db, rpc, shop):
    open_till(driver, url, db, shop["till"])
    water_id, water = shop["products"]["water"]
    catalogue = driver.find_element(By.ID, "catalogue")
    version = int(catalogue.get_attribute("data-version"))
    template = rpc("product.product", "read", [[water_id], ["product_tmpl_id"]])[0]["product_tmpl_id"][0]
    rpc("product.template", "write", [[template], {"list_price": 6.0}])
    WebDriverWait(driver, 30).until(lambda d: int(d.find_element(By.ID, "catalogue").get_attribute("data-version")) > version)
    scan(driver, water)
    assert driver.find_element(By.ID, "total").text == "6.00"
    kept = driver.execute_async_script("""
        var code = arguments[0], done = arguments[arguments.length - 1];
        var open = indexedDB.open("chainstore-pos");
        open.onsuccess = function () {
          var request = open.result.transaction("catalogue").objectStore("catalogue").index("scope").getAll();
          request.onsuccess = function () { done(request.result.filter(function (row) { return row.code === code; })); };
        };""", water)
    assert [row["fen"] for row in kept] == [600]
    # Archived, it leaves the device's catalogue (the server is asked, and knows no such product).
    version = int(driver.find_element(By.ID, "catalogue").get_attribute("data-version"))
    rpc("product.product", "write", [[water_id], {"active": False}])
    WebDriverWait(driver, 30).until(lambda d: int(d.find_element(By.ID, "catalogue").get_attribute("data-version")) > version)
    driver.find_element(By.CSS_SELECTOR, "#lines .void").click()
    scan(driver, water)
    assert driver.find_element(By.ID, "scan-error").text and driver.find_element(By.ID, "total").text == "0.00"


@pytest.mark.skipif(not os.environ.get("CHAINSTORE_SANDBOX_URL"), reason="the payment sandbox is not running (CHAINSTORE_SANDBOX_URL)")
def test_a_split_payment_part_in_cash_and_the_rest_by_payment_code(driver, url, db, rpc, shop, unique):
    wechat = rpc("pos.payment.method", "create", [{"name": "微信支付 " + unique, "type": "bank", "payment_channel": "wechat",
                                                   "company_id": shop["store"]}])
    rpc("pos.config", "write", [[shop["till"]], {"payment_method_ids": [(4, wechat)]}])
    open_till(driver, url, db, shop["till"])
    scan(driver, shop["products"]["water"][1])
    scan(driver, shop["products"]["tea"][1])
    driver.find_element(By.ID, "pay").click()
    field = visible(driver, "tendered")
    field.clear()
    field.send_keys("5")
    driver.find_element(By.ID, "confirm").click()
    WebDriverWait(driver, WAIT).until(lambda d: d.find_element(By.ID, "due").text == "3.50" and d.find_element(By.ID, "due-line").is_displayed())
    assert status(driver)["last"] == ""
    # Once money is taken the lines stay as they are.
    driver.find_element(By.CSS_SELECTOR, "#lines .void").click()
    assert driver.find_element(By.ID, "scan-error").text and driver.find_element(By.ID, "total").text == "8.50"
    # The rest by WeChat Pay: the attempt asks for what is left; the customer's screen says where it stands.
    till_window = driver.current_window_handle
    driver.find_element(By.ID, "display").click()
    WebDriverWait(driver, WAIT).until(lambda d: len(d.window_handles) == 2)
    display_window = [handle for handle in driver.window_handles if handle != till_window][0]
    driver.switch_to.window(display_window)
    driver.execute_script("""
        window.codes = [];
        var state = document.getElementById("display-state");
        new MutationObserver(function () { window.codes.push(state.getAttribute("data-code") + ":" + state.textContent); })
            .observe(state, { attributes: true, attributeFilter: ["data-seq"] });""")
    driver.switch_to.window(till_window)
    driver.find_element(By.ID, "pay-code").click()
    visible(driver, "auth-code").send_keys("134567890123456700" + Keys.ENTER)
    WebDriverWait(driver, 30).until(lambda d: status(d)["last"] != "")
    driver.switch_to.window(display_window)
    codes = driver.execute_script("return window.codes")
    assert any(code.startswith("paid:") for code in codes), codes
    assert any(code.startswith(":Please pay 3.50") for code in codes), codes
    driver.switch_to.window(till_window)
    synced(driver)
    session, orders = session_orders(rpc, shop["till"])
    assert len(orders) == 1 and abs(orders[0]["amount_total"] - 8.5) < 0.001 and orders[0]["amount_return"] == 0
    payments = rpc("pos.payment", "search_read", [[["pos_order_id", "=", orders[0]["id"]]]], {"fields": ["card_type", "amount", "payment_reference"]})
    assert sorted((p["card_type"] or "", p["amount"]) for p in payments) == [("", 5.0), ("wechat", 3.5)]
    attempt = [p["payment_reference"] for p in payments if p["card_type"] == "wechat"][0]
    assert rpc("payment.transaction", "search_read", [[["reference", "=", attempt]]], {"fields": ["amount"]})[0]["amount"] == 350
