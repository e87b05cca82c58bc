"""The store's ordering page (`/replenish`) in headless Chromium: the store's user sees its rules'
suggested quantities and the next delivery day, changes a quantity, sends the order; the books over
XML-RPC show the approved purchase order for that day. The order API refuses bad input and answers
a resent order with the first one."""
import base64
import datetime
import json
import os
import urllib.error
import urllib.request
import uuid

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from conftest import CHROMEDRIVER, CHROMIUM, headless_chromium
from test_stock import ref

WAIT = 10
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

if not (CHROMIUM and os.path.exists(CHROMEDRIVER)) and os.environ.get("CHAINSTORE_REQUIRE_BROWSER") != "1":
    pytest.skip("Chromium and chromedriver are not installed (apt-get install chromium chromium-driver)",
                allow_module_level=True)


def post(url, db, path, body, login="store1", password="store1"):
    request = urllib.request.Request(url + path + "?db=" + db, data=json.dumps(body).encode(), method="POST", headers={
        "Content-Type": "application/json", "Authorization": "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


@pytest.fixture
def store_buyer(rpc):
    """store1 (Guangzhou Store 001) may buy for its store while the test runs."""
    user = rpc("res.users", "search_read", [("login", "=", "store1")], fields=["company_id", "groups_id"])[0]
    group = ref(rpc, "purchase.group_purchase_user")
    had = group in user["groups_id"]
    rpc("res.users", "write", [user["id"]], {"groups_id": [(4, group)]})
    yield user["company_id"][0]
    if not had:
        rpc("res.users", "write", [user["id"]], {"groups_id": [(3, group)]})


def test_a_store_orders_from_its_page_for_the_next_delivery_day(url, db, rpc, store_buyer, unique):
    company = store_buyer
    vendor = rpc("res.partner", "create", {"name": unique + " 饮料批发", "is_company": True, "company_id": False})
    product = rpc("product.product", "create", {"name": unique + " 矿泉水", "type": "product", "detailed_type": "product"})
    template = rpc("product.product", "read", [product], ["product_tmpl_id"])[0]["product_tmpl_id"][0]
    rpc("product.supplierinfo", "create", {"partner_id": vendor, "product_tmpl_id": template, "price": 1.8, "delay": 1})
    # Deliveries the day after tomorrow (China time), orders until tomorrow 18:00.
    china_today = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=8)).date()
    delivery = china_today + datetime.timedelta(days=2)
    schedule = rpc("replenishment.delivery.schedule", "create", {
        "company_id": company, "partner_id": vendor, WEEKDAYS[delivery.weekday()]: True, "cutoff_days": 1, "cutoff_hour": 18, "route": "GZ-01"})
    warehouse = rpc("stock.warehouse", "search", [("company_id", "=", company)])[0]
    rule = rpc("stock.warehouse.orderpoint", "create", {"product_id": product, "warehouse_id": warehouse, "company_id": company,
                                                       "product_min_qty": 5, "product_max_qty": 12})
    driver = headless_chromium("900,1000")
    try:
        driver.get(url + "/replenish")
        assert driver.title == "Chainstore Store Ordering"
        for element_id, value in (("login", "store1"), ("password", "store1"), ("db", db)):
            field = WebDriverWait(driver, WAIT).until(EC.visibility_of_element_located((By.ID, element_id)))
            field.clear()
            field.send_keys(value)
        driver.find_element(By.ID, "signin").click()
        WebDriverWait(driver, WAIT).until(EC.visibility_of_element_located((By.ID, "ordering")))
        row = WebDriverWait(driver, WAIT).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, f'#lines tr[data-product="{product}"]') or None)[0]
        field = row.find_element(By.TAG_NAME, "input")
        assert field.get_attribute("value") == "12"  # nothing on hand: up to the maximum
        supplier = driver.find_element(By.ID, "supplier")
        supplier.find_element(By.CSS_SELECTOR, f'option[value="{vendor}"]').click()
        assert delivery.isoformat() in driver.find_element(By.ID, "delivery").text
        # Only this product is ordered: the other rules' suggestions are set to zero.
        for other in driver.find_elements(By.CSS_SELECTOR, "#lines tbody tr"):
            if other.get_attribute("data-product") != str(product):
                box = other.find_element(By.TAG_NAME, "input")
                box.clear()
                box.send_keys("0")
        field.clear()
        field.send_keys("10")
        driver.find_element(By.ID, "send").click()
        result = driver.find_element(By.ID, "result")
        WebDriverWait(driver, WAIT).until(lambda d: result.get_attribute("data-state") in ("ok", "error"))
        assert result.get_attribute("data-state") == "ok", result.text
        assert delivery.isoformat() in result.text
        # The order's receipt is listed among what is coming to the store, on its delivery day.
        coming = WebDriverWait(driver, WAIT).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#coming tbody tr[data-picking]") or None)
        coming = {int(row.get_attribute("data-picking")): row.text for row in coming}
        # Chinese, on the same screen.
        driver.find_element(By.ID, "lang").click()
        WebDriverWait(driver, WAIT).until(lambda d: d.find_element(By.ID, "send").text == "提交订单")
        assert "下次送货" in driver.find_element(By.ID, "delivery").text
    finally:
        driver.quit()
    orders = rpc("purchase.order", "search_read", [("partner_id", "=", vendor), ("company_id", "=", company)],
                 fields=["state", "origin", "order_line", "picking_ids"])
    assert len(orders) == 1 and orders[0]["state"] == "purchase" and orders[0]["origin"].startswith("store-order:")
    line = rpc("purchase.order.line", "read", orders[0]["order_line"], ["product_id", "product_qty", "price_unit", "date_planned"])[0]
    assert (line["product_id"][0], line["product_qty"], line["price_unit"]) == (product, 10, 1.8)
    planned = datetime.datetime.strptime(line["date_planned"], "%Y-%m-%d %H:%M:%S") + datetime.timedelta(hours=8)
    assert planned.date() == delivery and len(orders[0]["picking_ids"]) == 1
    assert coming[orders[0]["picking_ids"][0]].startswith(delivery.isoformat()), coming
    # The rule now counts the order: nothing more suggested.
    assert rpc("stock.warehouse.orderpoint", "read", [rule], ["qty_to_order"])[0]["qty_to_order"] == 0
    rpc("replenishment.delivery.schedule", "write", [schedule], {"active": False})


def test_the_order_api_refuses_bad_input_and_answers_a_resend_once(url, db, rpc, store_buyer, unique):
    vendor = rpc("res.partner", "create", {"name": unique, "is_company": True, "company_id": False})
    product = rpc("product.product", "create", {"name": unique, "type": "product", "detailed_type": "product"})
    for body in ({"supplier_id": vendor, "key": "short", "lines": [{"product_id": product, "quantity": 1}]},
                 {"supplier_id": vendor, "key": "k' OR 1=1 --xx", "lines": [{"product_id": product, "quantity": 1}]},
                 {"supplier_id": vendor, "key": uuid.uuid4().hex, "lines": []},
                 {"supplier_id": vendor, "key": uuid.uuid4().hex, "lines": [{"product_id": product, "quantity": -3}]},
                 {"supplier_id": "x", "key": uuid.uuid4().hex, "lines": [{"product_id": product, "quantity": 1}]}):
        status, answer = post(url, db, "/api/v1/store/orders", body)
        assert status == 400 and answer["ok"] is False, (body, answer)
    assert rpc("purchase.order", "search_count", [("partner_id", "=", vendor)]) == 0
    key = uuid.uuid4().hex
    body = {"supplier_id": vendor, "key": key, "lines": [{"product_id": product, "quantity": 4}]}
    first = post(url, db, "/api/v1/store/orders", body)
    again = post(url, db, "/api/v1/store/orders", body)
    assert first[0] == 201 and first[1]["state"] == "purchase" and "duplicate" not in first[1]
    assert again[0] == 200 and again[1]["duplicate"] is True and again[1]["name"] == first[1]["name"]
    assert rpc("purchase.order", "search_count", [("partner_id", "=", vendor)]) == 1
    # Without the purchase group a cashier cannot order.
    status, answer = post(url, db, "/api/v1/store/orders", dict(body, key=uuid.uuid4().hex), login="gz.manager", password="gz.manager")
    assert status == 403 and rpc("purchase.order", "search_count", [("partner_id", "=", vendor)]) == 1
