"""The `/display` customer display in a real browser (headless Chromium): the cashier signs in and
enters an amount, the customer sees it with a WeChat Pay QR code and pays in the payment sandbox, and
the screen says paid; a QR code the cashier cancels ends unpaid; amounts the server would refuse never
leave the page. The QR code on screen is read back from a screenshot with zxing-cpp and compared with
the attempt the server answers to an independent client."""
import base64
import io
import json
import os
import urllib.error
import urllib.parse
import urllib.request

import pytest

from conftest import CHROMEDRIVER, CHROMIUM, headless_chromium

SANDBOX = os.environ.get("CHAINSTORE_SANDBOX_URL")
if not SANDBOX:
    pytest.skip("the payment sandbox is not running (CHAINSTORE_SANDBOX_URL)", allow_module_level=True)

WAIT = 10
PAID_WAIT = 15

if not (CHROMIUM and os.path.exists(CHROMEDRIVER)) and os.environ.get("CHAINSTORE_REQUIRE_BROWSER") != "1":
    pytest.skip("Chromium and chromedriver are not installed (apt-get install chromium chromium-driver)",
                allow_module_level=True)

import zxingcpp  # noqa: E402
from PIL import Image  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from conftest import ADMIN_PASSWORD  # noqa: E402

# Every request the page makes to the payment API, recorded before it leaves (the page calls the
# global fetch at call time, so wrapping it here sees them all).
FETCH_SPY = """
window.paymentRequests = [];
var original = window.fetch;
window.fetch = function (input, init) {
  var address = typeof input === "string" ? input : input.url;
  if (address.indexOf("/api/v1/payments") >= 0) { window.paymentRequests.push(address); }
  return original.apply(this, arguments);
};
"""


def payment(url, db, reference):
    """The attempt as the API answers an independent client (urllib, Basic admin)."""
    request = urllib.request.Request(f"{url}/api/v1/payments/{reference}?db={urllib.parse.quote(db)}")
    request.add_header("Authorization", "Basic " + base64.b64encode(f"admin:{ADMIN_PASSWORD}".encode()).decode())
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
        return json.loads(response.read().decode())


def customer_pays(reference):
    """The customer scans the code and pays: the sandbox's stand-in for the WeChat app."""
    request = urllib.request.Request(f"{SANDBOX}/sandbox/native/{reference}/pay", data=b"", method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture(scope="module")
def driver():
    browser = headless_chromium("1024,900", "--force-device-scale-factor=1")
    yield browser
    browser.quit()


def visible(driver, element_id):
    return WebDriverWait(driver, WAIT).until(EC.visibility_of_element_located((By.ID, element_id)))


def sign_in(driver, url, db):
    """Loads a fresh page (nothing of a previous session survives) and signs in as admin."""
    driver.get(url + "/display")
    assert driver.title == "Chainstore Display"
    for element_id, value in (("login", "admin"), ("password", ADMIN_PASSWORD), ("db", db)):
        field = visible(driver, element_id)
        field.clear()
        field.send_keys(value)
    driver.find_element(By.ID, "signin").click()
    visible(driver, "amount")
    assert driver.find_element(By.ID, "password").get_attribute("value") == ""


def status(driver):
    box = driver.find_element(By.ID, "status")
    return {"seq": int(box.get_attribute("data-seq")), "class": box.get_attribute("class").split()[0],
            "state": box.get_attribute("data-state"), "reference": box.get_attribute("data-reference"),
            "error": box.get_attribute("data-error"), "message": driver.find_element(By.ID, "message").text,
            "note": driver.find_element(By.ID, "note").text}


def answered(driver, before):
    """Waits for the answer after `before` (the page bumps #status[data-seq] once it shows one)."""
    WebDriverWait(driver, WAIT).until(lambda d: int(d.find_element(By.ID, "status").get_attribute("data-seq")) > before)
    return status(driver)


def enter(driver, amount, description=""):
    for element_id, value in (("amount", amount), ("description", description)):
        field = driver.find_element(By.ID, element_id)
        field.clear()
        field.send_keys(value)
    before = status(driver)["seq"]
    driver.find_element(By.ID, "show").click()
    return answered(driver, before)


def until_state(driver, states, timeout=WAIT):
    WebDriverWait(driver, timeout).until(lambda d: d.find_element(By.ID, "status").get_attribute("data-state") in states)
    return status(driver)


def show_qr(driver, amount, description=""):
    """Enters an amount, shows its QR code, and waits until the customer sees it: answers the reference."""
    answer = enter(driver, amount, description)
    assert answer["reference"], answer
    answer = until_state(driver, ("user_paying",))
    assert (answer["class"], answer["message"], answer["error"]) == ("waiting", "Scan with WeChat to pay", ""), answer
    WebDriverWait(driver, WAIT).until(lambda d: d.execute_script(
        "var qr = document.getElementById('qr'); return !qr.hidden && qr.complete && qr.naturalWidth > 0;"))
    assert driver.find_element(By.ID, "qr").get_attribute("alt") == "QR code to pay"
    return answer["reference"]


def test_the_customer_scans_the_qr_code_pays_and_the_display_says_paid(driver, url, db, unique):
    sign_in(driver, url, db)
    reference = show_qr(driver, "12.34", "Display " + unique)
    assert driver.find_element(By.ID, "shown-amount").text == "¥12.34"
    assert driver.find_element(By.ID, "shown-subject").text == "Display " + unique
    attempt = payment(url, db, reference)
    assert (attempt["amount"], attempt["kind"], attempt["channel"], attempt["state"]) == (1234, "qr", "wechat", "user_paying"), attempt

    # What the customer's phone would read: exactly one QR code, saying what the channel answered.
    png = driver.find_element(By.ID, "qr").screenshot_as_png
    codes = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert [code.format for code in codes] == [zxingcpp.BarcodeFormat.QRCode], codes
    assert codes[0].text == attempt["qr_code_url"]

    assert customer_pays(reference) == 204
    WebDriverWait(driver, PAID_WAIT).until(lambda d: d.find_element(By.ID, "status").get_attribute("data-state") == "paid")
    WebDriverWait(driver, WAIT).until(lambda d: d.find_element(By.ID, "message").text == "Paid ✓ ¥12.34")
    answer = status(driver)
    assert (answer["class"], answer["reference"], answer["error"]) == ("paid", reference, ""), answer
    # "Paid" came over the bus: the page never asked for the payment itself.
    box = driver.find_element(By.ID, "status")
    assert (box.get_attribute("data-via"), box.get_attribute("data-gets")) == ("bus", "0")
    assert not driver.find_element(By.ID, "qr").is_displayed()
    assert not driver.find_element(By.ID, "cancel").is_displayed()
    assert payment(url, db, reference)["state"] == "paid"

    # The next customer: the amount screen again, empty, and nothing of the last payment.
    driver.find_element(By.ID, "new-payment").click()
    visible(driver, "amount")
    assert driver.find_element(By.ID, "amount").get_attribute("value") == ""
    answer = status(driver)
    assert (answer["state"], answer["reference"], answer["class"]) == ("", "", "idle"), answer


def test_the_cashier_cancels_the_qr_code_and_it_ends_unpaid(driver, url, db):
    sign_in(driver, url, db)
    reference = show_qr(driver, "5.06")
    assert driver.find_element(By.ID, "shown-amount").text == "¥5.06"
    assert payment(url, db, reference)["amount"] == 506

    before = status(driver)["seq"]
    driver.find_element(By.ID, "cancel").click()
    answered(driver, before)
    answer = until_state(driver, ("paid", "failed", "reversed"))
    assert (answer["state"], answer["class"], answer["message"]) == ("failed", "error", "Not paid — the code was closed"), answer
    assert not driver.find_element(By.ID, "qr").is_displayed()
    assert driver.find_element(By.ID, "new-payment").is_displayed()
    assert payment(url, db, reference)["state"] == "failed"
    # The order is closed at the channel too: the customer can no longer pay it.
    assert customer_pays(reference) == 404


def test_amounts_the_server_would_refuse_never_leave_the_page(driver, url, db):
    sign_in(driver, url, db)
    driver.execute_script(FETCH_SPY)
    for amount in ("0", "-1", "1.234", "abc", "100000000.01", "0.00", ""):
        answer = enter(driver, amount, "refused")
        assert (answer["class"], answer["error"], answer["state"], answer["reference"]) == ("error", "invalid_amount", "", ""), amount
        assert answer["message"], amount
        assert driver.find_element(By.ID, "amount").get_attribute("aria-invalid") == "true", amount
        assert not driver.find_element(By.ID, "payment-view").is_displayed(), amount
    assert driver.execute_script("return window.paymentRequests") == []
