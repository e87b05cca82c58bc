"""The `/scan` handheld app in a real browser (headless Chromium): an operator signs in, receives,
puts away, picks and counts by typing codes into the scan field the way a keyboard-wedge scanner
does, and the books over XML-RPC show what the screen said."""
import os
import random

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from conftest import CHROMEDRIVER, CHROMIUM, headless_chromium

ADMIN_PASSWORD = os.environ.get("CHAINSTORE_ADMIN_PASSWORD", "admin")
WAIT = 10

if not (CHROMIUM and os.path.exists(CHROMEDRIVER)) and os.environ.get("CHAINSTORE_REQUIRE_BROWSER") != "1":
    pytest.skip("Chromium and chromedriver are not installed (apt-get install chromium chromium-driver)",
                allow_module_level=True)


def ean13(rng):
    """A valid EAN-13 in the range the other conformance tests use (prefix 69): the default
    nomenclature reads 20…, 21… and 23… as variable-measure labels, not as product codes."""
    body = "69" + "".join(rng.choice("0123456789") for _ in range(10))
    return body + check_digit(body)


def check_digit(body):
    """GS1 mod-10: weights 3 and 1 alternate from the rightmost digit of the body."""
    total = sum(int(c) * (3 if i % 2 == 0 else 1) for i, c in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


def ref(rpc, xmlid):
    module, name = xmlid.split(".")
    return rpc("ir.model.data", "check_object_reference", module, name)[1]


def on_hand(rpc, product, location):
    quants = rpc("stock.quant", "search_read", [("product_id", "=", product), ("location_id", "child_of", location)],
                 fields=["quantity"])
    return sum(q["quantity"] for q in quants)


@pytest.fixture(scope="module")
def driver():
    browser = headless_chromium("480,900")
    yield browser
    browser.quit()


@pytest.fixture
def goods(rpc, unique):
    """A storable product with its own barcode, a shelf under WH/Stock with its own barcode, and
    a confirmed receipt of 3 units into WH/Stock."""
    rng = random.Random(unique)
    stock = ref(rpc, "stock.stock_location_stock")
    vendors = ref(rpc, "stock.stock_location_suppliers")
    barcode = ean13(rng)
    product = rpc("product.product", "create", {"name": unique, "type": "product", "detailed_type": "product", "barcode": barcode})
    shelf_code = "LOC-" + unique
    shelf = rpc("stock.location", "create", {"name": unique, "location_id": stock, "barcode": shelf_code})
    receipt = rpc("stock.picking", "create", {
        "picking_type_id": ref(rpc, "stock.picking_type_in"), "location_id": vendors, "location_dest_id": stock, "origin": unique,
        "move_ids": [(0, 0, {"name": unique, "product_id": product, "product_uom_qty": 3,
                             "location_id": vendors, "location_dest_id": stock})],
    })
    rpc("stock.picking", "action_confirm", [receipt])
    name = rpc("stock.picking", "read", [receipt], ["name"])[0]["name"]
    unknown = ean13(rng)
    while unknown == barcode or rpc("product.product", "search_count", [("barcode", "=", unknown)]):
        unknown = ean13(rng)
    return {"product": product, "barcode": barcode, "unknown": unknown, "stock": stock, "shelf": shelf,
            "shelf_code": shelf_code, "receipt": receipt, "receipt_name": name}


def visible(driver, element_id):
    return WebDriverWait(driver, WAIT).until(EC.visibility_of_element_located((By.ID, element_id)))


def open_app(driver, url, db, password=ADMIN_PASSWORD):
    """Loads a fresh page (nothing of a previous session survives) and submits the sign-in form."""
    driver.get(url + "/scan")
    assert driver.title == "Chainstore Scan"
    for element_id, value in (("login", "admin"), ("password", password), ("db", db)):
        field = visible(driver, element_id)
        field.clear()
        field.send_keys(value)
    driver.find_element(By.ID, "signin").click()


def sign_in(driver, url, db):
    open_app(driver, url, db)
    visible(driver, "operations")


def choose(driver, operation):
    driver.find_element(By.ID, "op-" + operation).click()
    visible(driver, "scan")
    assert status(driver)["class"] == "idle"


def status(driver):
    box = driver.find_element(By.ID, "status")
    return {"seq": int(box.get_attribute("data-seq")), "class": box.get_attribute("class").split()[0],
            "kind": box.get_attribute("data-kind"), "error": box.get_attribute("data-error"),
            "message": driver.find_element(By.ID, "message").text, "next": driver.find_element(By.ID, "next").text}


def answered(driver, before):
    """Waits for the answer after `before` (the page bumps #status[data-seq] once it shows one)."""
    WebDriverWait(driver, WAIT).until(lambda d: int(d.find_element(By.ID, "status").get_attribute("data-seq")) > before)
    now = status(driver)
    assert now["class"] in ("ok", "error"), now
    return now


def scan(driver, text):
    before = status(driver)["seq"]
    field = driver.find_element(By.ID, "scan")
    assert driver.switch_to.active_element == field, "the scan field lost the focus"
    field.send_keys(text + Keys.ENTER)
    return answered(driver, before)


def press(driver, button_id):
    before = status(driver)["seq"]
    driver.find_element(By.ID, button_id).click()
    return answered(driver, before)


def line_for(driver, product_name):
    for row in driver.find_elements(By.CSS_SELECTOR, "#lines tbody tr"):
        cells = [cell.text for cell in row.find_elements(By.TAG_NAME, "td")]
        if product_name in cells[0]:
            return {"lot": cells[1], "location": cells[2], "expected": float(cells[3]), "done": float(cells[4]),
                    "complete": "complete" in (row.get_attribute("class") or "").split()}
    raise AssertionError(f"no line for {product_name}")


def test_a_wrong_password_is_refused_and_the_right_one_opens_the_operations(driver, url, db):
    open_app(driver, url, db, password=ADMIN_PASSWORD + "-wrong")
    error = WebDriverWait(driver, WAIT).until(lambda d: d.find_element(By.ID, "signin-error").text or None)
    assert error == "Wrong login or password"
    assert not driver.find_element(By.ID, "operations").is_displayed()
    assert driver.find_element(By.ID, "signin").is_displayed()

    sign_in(driver, url, db)
    assert not driver.find_element(By.ID, "signin-view").is_displayed()
    assert driver.find_element(By.ID, "signin-error").text == ""
    for operation, title in (("receive", "Receive"), ("putaway", "Put away"), ("pick", "Pick"), ("count", "Count")):
        assert driver.find_element(By.ID, "op-" + operation).text == title
    # The password is not left in the form once it has been checked.
    assert driver.find_element(By.ID, "password").get_attribute("value") == ""


def test_the_app_speaks_chinese_and_english(driver, url, db):
    """The header's button switches the screen to Chinese and back; the choice is kept."""
    sign_in(driver, url, db)
    driver.find_element(By.ID, "lang").click()
    WebDriverWait(driver, WAIT).until(lambda d: d.find_element(By.ID, "op-receive").text == "收货")
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-CN"
    assert driver.find_element(By.ID, "signout").text == "退出"
    choose(driver, "pick")
    assert driver.find_element(By.ID, "operation").text == "拣货"
    assert driver.find_element(By.ID, "next").text == "请扫描发货单"
    assert driver.find_element(By.ID, "scan").get_attribute("placeholder") == "扫描条码"
    driver.get(url + "/scan")
    WebDriverWait(driver, WAIT).until(lambda d: d.find_element(By.CSS_SELECTOR, "label[for=login]").text == "用户名")
    driver.find_element(By.ID, "lang").click()
    WebDriverWait(driver, WAIT).until(lambda d: d.find_element(By.CSS_SELECTOR, "label[for=login]").text == "Login")
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"


def test_a_receipt_is_scanned_in_partly_onto_a_shelf_and_validated(driver, url, db, rpc, goods, unique):
    sign_in(driver, url, db)
    choose(driver, "receive")
    assert driver.find_element(By.ID, "operation").text == "Receive"
    assert driver.find_element(By.ID, "validate").is_displayed()
    assert not driver.find_element(By.ID, "done").is_displayed()

    answer = scan(driver, goods["receipt_name"])
    assert (answer["class"], answer["kind"]) == ("ok", "picking"), answer
    line = line_for(driver, unique)
    assert (line["expected"], line["done"], line["complete"]) == (3, 0, False)

    for done in (1, 2):
        answer = scan(driver, goods["barcode"])
        assert (answer["class"], answer["kind"]) == ("ok", "product"), answer
        assert line_for(driver, unique)["done"] == done

    # An unknown code is refused and changes nothing: the receipt is still the one being scanned.
    answer = scan(driver, goods["unknown"])
    assert (answer["class"], answer["error"]) == ("error", "unknown_code"), answer
    assert line_for(driver, unique)["done"] == 2

    # The shelf is inside WH/Stock, the receipt's destination: the next units go onto it.
    answer = scan(driver, goods["shelf_code"])
    assert (answer["class"], answer["kind"]) == ("ok", "location"), answer
    answer = scan(driver, goods["barcode"])
    assert answer["class"] == "ok", answer
    line = line_for(driver, unique)
    assert (line["done"], line["complete"]) == (3, True)

    answer = press(driver, "validate")
    assert (answer["class"], answer["kind"]) == ("ok", "done"), answer
    assert goods["receipt_name"] in answer["message"]

    assert rpc("stock.picking", "read", [goods["receipt"]], ["state"])[0]["state"] == "done"
    assert on_hand(rpc, goods["product"], goods["shelf"]) == 1
    assert on_hand(rpc, goods["product"], goods["stock"]) == 3


def test_picking_refuses_a_receipt(driver, url, db, rpc, goods):
    sign_in(driver, url, db)
    choose(driver, "pick")
    assert driver.find_element(By.ID, "operation").text == "Pick"
    answer = scan(driver, goods["receipt_name"])
    assert (answer["class"], answer["error"]) == ("error", "wrong_context"), answer
    assert answer["message"]
    # The scan field is ready for the next code, and nothing happened to the receipt.
    assert driver.switch_to.active_element == driver.find_element(By.ID, "scan")
    assert driver.find_element(By.ID, "scan").get_attribute("value") == ""
    assert rpc("stock.picking", "read", [goods["receipt"]], ["state"])[0]["state"] != "done"


def test_put_away_moves_scanned_units_from_stock_to_a_shelf(driver, url, db, rpc, goods):
    rpc("stock.move", "write", rpc("stock.move", "search", [("picking_id", "=", goods["receipt"])]), {"quantity": 3})
    rpc("stock.picking", "button_validate", [goods["receipt"]], context={"skip_backorder": True})
    assert on_hand(rpc, goods["product"], goods["stock"]) == 3

    sign_in(driver, url, db)
    choose(driver, "putaway")
    assert not driver.find_element(By.ID, "validate").is_displayed()
    assert not driver.find_element(By.ID, "done").is_displayed()
    for _ in range(2):
        answer = scan(driver, goods["barcode"])
        assert (answer["class"], answer["kind"]) == ("ok", "product"), answer
    answer = scan(driver, goods["shelf_code"])
    assert (answer["class"], answer["kind"]) == ("ok", "done"), answer

    assert on_hand(rpc, goods["product"], goods["shelf"]) == 2
    assert on_hand(rpc, goods["product"], goods["stock"]) == 3


def test_a_count_on_a_shelf_sets_what_is_there(driver, url, db, rpc, goods, unique):
    sign_in(driver, url, db)
    choose(driver, "count")
    assert driver.find_element(By.ID, "done").is_displayed()
    assert not driver.find_element(By.ID, "validate").is_displayed()
    answer = scan(driver, goods["shelf_code"])
    assert answer["class"] == "ok", answer
    for _ in range(4):
        answer = scan(driver, goods["barcode"])
        assert answer["class"] == "ok", answer
    assert line_for(driver, unique)["done"] == 4
    answer = press(driver, "done")
    assert (answer["class"], answer["kind"]) == ("ok", "done"), answer

    assert on_hand(rpc, goods["product"], goods["shelf"]) == 4
