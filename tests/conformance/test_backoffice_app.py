"""The back office (`/web`) in headless Chromium: a store's user signs in, lists products, searches
by barcode, sorts, pages and exports them; makes a receipt in the form, validates it and sees the
balance change; cannot open another store's record by editing the address; sees Chinese labels
after switching language; and a bad value shows the server's error beside its field and saves
nothing. Screenshots of the main screens are kept in $CHAINSTORE_ARTIFACTS (default
.build/artifacts/backoffice)."""
import csv
import io
import json
import os
import time
import urllib.error
import urllib.request

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from conftest import CHROMEDRIVER, CHROMIUM, headless_chromium
from test_stock import ref

WAIT = 15
ARTIFACTS = os.environ.get("CHAINSTORE_ARTIFACTS", os.path.join(os.path.dirname(__file__), "..", "..", ".build", "artifacts"))
SHOTS = os.path.join(ARTIFACTS, "backoffice")

if not (CHROMIUM and os.path.exists(CHROMEDRIVER)) and os.environ.get("CHAINSTORE_REQUIRE_BROWSER") != "1":
    pytest.skip("Chromium and chromedriver are not installed (apt-get install chromium chromium-driver)",
                allow_module_level=True)


class BackOffice:
    """A browser on /web; `drawn()` waits until #view is drawn again and answers its state."""

    def __init__(self, url, downloads=None):
        self.url = url
        self.driver = headless_chromium("1400,900")
        if downloads:
            self.driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": downloads})
        self.seq = 0

    def view(self):
        return self.driver.find_element(By.ID, "view")

    def drawn(self, action):
        before = int(self.view().get_attribute("data-seq") or 0) if self.driver.find_elements(By.ID, "view") else 0
        action()
        WebDriverWait(self.driver, WAIT).until(lambda d: int(d.find_element(By.ID, "view").get_attribute("data-seq") or 0) > before)
        return self.view().get_attribute("data-state")

    def sign_in(self, login, password, db):
        self.driver.get(self.url + "/")
        field = WebDriverWait(self.driver, WAIT).until(EC.visibility_of_element_located((By.ID, "login")))
        field.send_keys(login)
        self.driver.find_element(By.ID, "password").send_keys(password)
        self.driver.find_element(By.ID, "db").send_keys(db)
        assert self.drawn(lambda: self.driver.find_element(By.ID, "signin").click()) == "ready"

    def reload(self):
        """Reloads the page (its counter starts again) and waits until it is drawn."""
        self.driver.refresh()
        WebDriverWait(self.driver, WAIT).until(lambda d: int(d.find_element(By.ID, "view").get_attribute("data-seq") or 0) > 0)
        return self.view().get_attribute("data-state")

    def open(self, fragment):
        return self.drawn(lambda: self.driver.get(self.url + "/web#" + fragment))

    def click(self, element_id):
        return self.drawn(lambda: self.driver.find_element(By.ID, element_id).click())

    def rows(self):
        return self.driver.find_elements(By.CSS_SELECTOR, "#records tbody tr")

    def cells(self, field):
        return [cell.text for cell in self.driver.find_elements(By.CSS_SELECTOR, f'#records tbody td[data-field="{field}"]')]

    def search(self, text, field):
        box = self.driver.find_element(By.ID, "search")
        box.send_keys(text)
        option = WebDriverWait(self.driver, WAIT).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, f'.suggestions li[data-field="{field}"]') or None)[0]
        return self.drawn(lambda: option.click())

    def choose(self, input_id, text):
        """Types a related record's whole name into a many2one input, as picking it from the list does."""
        field = self.driver.find_element(By.ID, input_id)
        field.clear()
        field.send_keys(text)
        # The suggestions arrive after a short pause; the name typed then matches one of them.
        WebDriverWait(self.driver, WAIT).until(lambda d: any(
            option.get_attribute("value") == text
            for option in d.find_elements(By.CSS_SELECTOR, f'#{field.get_attribute("list")} option')))
        field.send_keys(Keys.TAB)

    def shot(self, name):
        os.makedirs(SHOTS, exist_ok=True)
        self.driver.save_screenshot(os.path.join(SHOTS, name + ".png"))

    def quit(self):
        self.driver.quit()


@pytest.fixture
def store_keeper(rpc):
    """store1 (Guangzhou Store 001) may work the store's inventory while the test runs."""
    user = rpc("res.users", "search_read", [("login", "=", "store1")], fields=["company_id", "groups_id"])[0]
    group = ref(rpc, "stock.group_stock_user")
    had = group in user["groups_id"]
    rpc("res.users", "write", [user["id"]], {"groups_id": [(4, group)]})
    yield user["company_id"][0]
    if not had:
        rpc("res.users", "write", [user["id"]], {"groups_id": [(3, group)]})


def gtin13(body):
    """The 12 digits with their GS1 check digit."""
    total = sum(int(digit) * (3 if index % 2 else 1) for index, digit in enumerate(body))
    return body + str((10 - total % 10) % 10)


def test_the_root_leads_to_the_back_office_page(url):
    request = urllib.request.Request(url + "/", method="GET")

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as found:
        opener.open(request, timeout=10)
    assert found.value.code == 302 and found.value.headers["Location"] == "/web"
    with urllib.request.urlopen(url + "/web", timeout=10) as page:
        assert page.status == 200
        assert "script-src 'self'" in page.headers["Content-Security-Policy"]
        assert b"/assets/base/webclient." in page.read()


def test_menus_and_views_need_a_session_and_name_a_model(url):
    for path in ("/web/webclient/load_menus", "/web/webclient/views?model=product.product"):
        with pytest.raises(urllib.error.HTTPError) as found:
            urllib.request.urlopen(url + path, timeout=10)
        assert found.value.code == 401


def test_a_store_user_lists_searches_sorts_pages_and_exports_products(url, db, rpc, unique, tmp_path):
    barcodes = [gtin13(f"69{int(unique[5:], 16) % 10**7:07d}{n:03d}") for n in range(85)]
    for n, barcode in enumerate(barcodes):
        rpc("product.product", "create", {"name": f"{unique} 商品 {n:02d}", "barcode": barcode, "list_price": 1 + n, "company_id": False})
    office = BackOffice(url, downloads=str(tmp_path))
    try:
        office.sign_in("store1", "store1", db)
        office.shot("home")
        assert office.open("model=product.product") == "ready"
        menu = office.driver.find_element(By.CSS_SELECTOR, '#menu a[data-model="product.product"]')
        assert "active" in menu.get_attribute("class")

        assert office.search(barcodes[42], "barcode") == "ready"
        assert office.cells("name") == [f"{unique} 商品 42"]
        # The facet's × takes the filter away again; then the name narrows to the 85.
        assert office.drawn(lambda: office.driver.find_element(By.CSS_SELECTOR, ".facet button").click()) == "ready"
        assert office.search(unique, "name") == "ready"
        assert office.driver.find_element(By.ID, "pager-value").text == "1-80 of 85"
        assert len(office.rows()) == 80
        office.shot("products")
        assert office.click("next") == "ready"
        assert office.driver.find_element(By.ID, "pager-value").text == "81-85 of 85"
        assert len(office.rows()) == 5
        # The same page as cards, then as rows again.
        assert office.click("view-switch") == "ready"
        cards = office.driver.find_elements(By.CSS_SELECTOR, "#cards .kanban-card")
        assert len(cards) == 5 and all(unique in card.find_element(By.TAG_NAME, "h3").text for card in cards)
        assert office.driver.find_elements(By.CSS_SELECTOR, '#cards [data-field="barcode"]')
        office.shot("products-cards")
        assert office.click("view-switch") == "ready" and len(office.rows()) == 5

        # Sorting by name: ascending, then descending on a second click, from the first page.
        assert office.drawn(lambda: office.driver.find_element(By.CSS_SELECTOR, '#records th[data-field="name"]').click()) == "ready"
        names = office.cells("name")
        assert names[:3] == [f"{unique} 商品 00", f"{unique} 商品 01", f"{unique} 商品 02"]
        assert office.driver.find_element(By.CSS_SELECTOR, '#records th[data-field="name"]').get_attribute("aria-sort") == "ascending"
        assert office.drawn(lambda: office.driver.find_element(By.CSS_SELECTOR, '#records th[data-field="name"]').click()) == "ready"
        assert office.cells("name")[0] == f"{unique} 商品 84"
        assert office.driver.find_element(By.ID, "pager-value").text == "1-80 of 85"

        office.driver.find_element(By.ID, "export").click()
        target = tmp_path / "product.product.csv"
        deadline = time.time() + WAIT
        while not target.exists() and time.time() < deadline:
            time.sleep(0.1)
        text = target.read_bytes().decode("utf-8")
        assert text.startswith("\ufeff")
        rows = list(csv.reader(io.StringIO(text[1:])))
        header = rows[0]
        assert "Name" in header and "Barcode" in header
        body = rows[1:]
        assert len(body) == 85
        name, barcode = header.index("Name"), header.index("Barcode")
        assert body[0][name] == f"{unique} 商品 84" and body[0][barcode] == barcodes[84]
    finally:
        office.quit()


def test_a_receipt_made_in_the_form_and_validated_changes_the_balance(url, db, rpc, unique, store_keeper):
    company = store_keeper
    product = rpc("product.product", "create", {"name": f"{unique} 矿泉水", "type": "product", "detailed_type": "product", "company_id": False})
    warehouse = rpc("stock.warehouse", "search_read", [("company_id", "=", company)], fields=["in_type_id"])[0]
    receipts = rpc("stock.picking.type", "read", [warehouse["in_type_id"][0]], ["display_name"])[0]["display_name"]
    office = BackOffice(url)
    try:
        office.sign_in("store1", "store1", db)
        assert office.open("model=stock.picking&id=new") == "ready"
        office.choose("field-picking_type_id", receipts)
        office.driver.find_element(By.ID, "field-origin").send_keys(unique)
        office.driver.find_element(By.ID, "add-move_ids").click()
        office.choose("line-move_ids-1-product_id", f"{unique} 矿泉水")
        office.driver.find_element(By.ID, "line-move_ids-1-product_uom_qty").send_keys("7")
        office.shot("receipt-new")
        assert office.click("save") == "ready", office.view().text
        picking = rpc("stock.picking", "search_read", [("origin", "=", unique)], fields=["state", "company_id", "move_ids"])
        assert len(picking) == 1 and picking[0]["company_id"][0] == company and len(picking[0]["move_ids"]) == 1
        assert f"id={picking[0]['id']}" in office.driver.current_url

        validate = office.driver.find_element(By.CSS_SELECTOR, 'button[data-method="button_validate"]')
        assert office.drawn(validate.click) == "ready", office.view().text
        assert office.driver.find_element(By.ID, "record-state").text == "Done"
        assert not office.driver.find_elements(By.CSS_SELECTOR, 'button[data-method="button_validate"]')
        assert not office.driver.find_elements(By.ID, "save")  # a done transfer is shown, not edited
        office.shot("receipt-done")

        assert office.open("model=product.product&filter=" + json.dumps([{"field": "name", "label": "Name", "text": unique, "value": unique}])) == "ready"
        assert office.cells("qty_available") == ["7.00"]
    finally:
        office.quit()


def test_a_cashier_cannot_open_another_stores_record_by_editing_the_address(url, db, rpc, unique):
    other = rpc("res.company", "create", {"name": f"{unique} Store", "parent_id": 1, "company_kind": "store"})
    secret = rpc("res.partner", "create", {"name": f"{unique} other store's customer", "company_id": other, "phone": "13800000000"})
    office = BackOffice(url)
    try:
        office.sign_in("store1", "store1", db)
        assert office.open(f"model=res.partner&id={secret}") == "error"
        text = office.view().text
        assert unique not in text and "13800000000" not in text
        assert not office.driver.find_elements(By.ID, "save")
        office.shot("refused")
        assert office.open("model=res.partner&filter=" + json.dumps([{"field": "name", "label": "Name", "text": unique, "value": unique}])) == "ready"
        assert office.rows() == [] and office.driver.find_element(By.ID, "pager-value").text == "0-0 of 0"
    finally:
        office.quit()


def test_switching_to_chinese_shows_chinese_menus_labels_and_values(url, db):
    office = BackOffice(url)
    try:
        office.sign_in("store1", "store1", db)
        assert office.open("model=stock.picking") == "ready"
        assert office.driver.find_element(By.CSS_SELECTOR, '#records th[data-field="picking_type_id"]').text == "Operation Type" \
            or not office.rows()
        assert office.drawn(lambda: office.driver.find_element(By.ID, "lang").click()) == "ready"
        assert office.driver.find_element(By.ID, "lang").text == "English"
        menu = office.driver.find_element(By.CSS_SELECTOR, '#menu a[data-model="stock.picking"]').text
        assert menu and menu != "Transfers" and all(ord(ch) > 0x2E80 for ch in menu)
        header = office.driver.find_element(By.ID, "create").text
        assert header == "新建"
        assert office.open("model=product.product") == "ready"
        labels = [cell.text for cell in office.driver.find_elements(By.CSS_SELECTOR, "#records th")]
        assert labels and "Name" not in labels and "Barcode" not in labels
        assert any(ord(ch) > 0x2E80 for label in labels for ch in label)
        office.shot("products-zh")
        # A reload in the same session keeps the language chosen.
        assert office.reload() == "ready"
        assert office.driver.find_element(By.ID, "lang").text == "English"
        assert office.drawn(lambda: office.driver.find_element(By.ID, "lang").click()) == "ready"
    finally:
        office.quit()


def test_a_bad_value_shows_the_servers_error_beside_the_field_and_saves_nothing(url, db, rpc, unique):
    office = BackOffice(url)
    try:
        office.sign_in("admin", os.environ.get("CHAINSTORE_ADMIN_PASSWORD", "admin"), db)
        assert office.open("model=product.template&id=new") == "ready"
        office.driver.find_element(By.ID, "field-name").send_keys(unique)
        office.driver.find_element(By.ID, "field-list_price").send_keys("twelve")
        assert office.click("save") == "error"
        slot = office.driver.find_element(By.CSS_SELECTOR, '.widget[data-field="list_price"]')
        assert "invalid" in slot.get_attribute("class")
        message = slot.find_element(By.CLASS_NAME, "field-error").text
        assert "list_price" in message or "Sales Price" in message
        office.shot("bad-value")
        assert rpc("product.template", "search", [("name", "=", unique)]) == []
        # Corrected, the same form saves.
        price = office.driver.find_element(By.ID, "field-list_price")
        price.clear()
        price.send_keys("12.5")
        assert office.click("save") == "ready"
        saved = rpc("product.template", "search_read", [("name", "=", unique)], fields=["list_price"])
        assert [row["list_price"] for row in saved] == [12.5]
    finally:
        office.quit()


def dashboard(url, db, login, password):
    """The dashboard's cards as `login` sees them, by id."""
    import http.cookiejar
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    body = json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {"db": db, "login": login, "password": password}}).encode()
    opener.open(urllib.request.Request(url + "/web/session/authenticate", data=body, headers={"Content-Type": "application/json"}), timeout=15)
    with opener.open(url + "/web/dashboard", timeout=30) as response:
        return {card["id"]: card for card in json.loads(response.read())["cards"]}


def receive(rpc, company, product, quantity):
    """Receives `quantity` of `product` into `company`'s warehouse, validated (as the administrator)."""
    warehouse = rpc("stock.warehouse", "search_read", [("company_id", "=", company)], fields=["in_type_id"])[0]
    picking = rpc("stock.picking", "create", {"picking_type_id": warehouse["in_type_id"][0], "company_id": company,
                                              "move_ids": [(0, 0, {"product_id": product, "product_uom_qty": quantity})]})
    rpc("stock.picking", "button_validate", [picking])
    assert rpc("stock.picking", "read", [picking], ["state"])[0]["state"] == "done"


def test_a_city_managers_dashboard_shows_only_its_city(url, db, rpc, unique):
    city = rpc("res.company", "create", {"name": f"{unique} City", "parent_id": 1, "company_kind": "city"})
    store = rpc("res.company", "create", {"name": f"{unique} Store", "parent_id": city, "company_kind": "store"})
    rpc("stock.warehouse", "create", [{"name": f"{unique} Store", "code": "D%d" % store, "company_id": store}])
    guangzhou_store = rpc("res.users", "search_read", [("login", "=", "store1")], fields=["company_id"])[0]["company_id"][0]
    guangzhou = rpc("res.company", "read", [guangzhou_store], ["parent_id"])[0]["parent_id"]
    product = rpc("product.product", "create", {"name": f"{unique} 大米", "type": "product", "detailed_type": "product",
                                                "standard_price": 10, "company_id": False})
    receive(rpc, store, product, 3)
    receive(rpc, guangzhou_store, product, 2)

    group = dashboard(url, db, "admin", os.environ.get("CHAINSTORE_ADMIN_PASSWORD", "admin"))["stock.value_by_city"]
    names = [label[1] for label in group["labels"]]
    assert f"{unique} City" in names and guangzhou[1] in names
    assert group["values"][names.index(f"{unique} City")] >= 30

    mine = dashboard(url, db, "gz.manager", "gz.manager")
    city_card = mine["stock.value_by_city"]
    names = [label[1] for label in city_card["labels"]]
    assert names == [guangzhou[1]]
    assert all(unique not in label[1] for card in mine.values() for label in card["labels"])

    office = BackOffice(url)
    try:
        office.sign_in("gz.manager", "gz.manager", db)
        card = office.driver.find_element(By.CSS_SELECTOR, '#dashboard [data-card="stock.value_by_city"]')
        assert guangzhou[1] in card.get_attribute("textContent") and unique not in card.get_attribute("textContent")
        assert card.find_elements(By.TAG_NAME, "canvas")  # drawn with the system's Chart.js
        office.shot("dashboard-city")
    finally:
        office.quit()
