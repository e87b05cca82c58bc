"""The supplier portal: a supplier's portal user sees only its own confirmed orders (over the API
and over XML-RPC), answers them line by line under a key, and sends an advance shipping notice
(pallets with SSCCs, lots, expiry dates); the centre receives a whole pallet with one scan of its
SSCC and the notice shows, line by line, what arrived. Bad notices are refused and leave nothing;
a resent notice is a duplicate; a changed one replaces it until it has arrived. The portal page
does the same in headless Chromium."""
import base64
import io
import json
import os
import subprocess
import urllib.error
import urllib.request
import uuid
import xmlrpc.client

import pypdf
import pytest
import zxingcpp
from PIL import Image, ImageDraw
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from conftest import CHROMEDRIVER, CHROMIUM, headless_chromium
from test_stock import ref

PASSWORD = "Supplier-2026x"
BIN = os.environ.get("CHAINSTORE_BIN")
DATA_DIR = os.environ.get("CHAINSTORE_DATA_DIR")
WAIT = 10


def gs1(body):
    """`body` followed by its GS1 mod-10 check digit."""
    total = sum(int(digit) * (3 if i % 2 == 0 else 1) for i, digit in enumerate(reversed(body)))
    return body + str((10 - total % 10) % 10)


def sscc(serial):
    return gs1("3690123" + str(serial % 10**10).zfill(10))


def call(url, db, method, path, body=None, login=None, password=PASSWORD):
    request = urllib.request.Request(url + path + ("&" if "?" in path else "?") + "db=" + db, method=method,
                                     data=None if body is None else json.dumps(body).encode(), headers={
                                         "Content-Type": "application/json",
                                         "Authorization": "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()})
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def portal_user(rpc, db, unique, supplier):
    """A portal user of `supplier` (a contact under it), with a password of its own (set by the
    administrator's command line: passwords are not written over RPC)."""
    if not BIN or not DATA_DIR:
        pytest.skip("CHAINSTORE_BIN and CHAINSTORE_DATA_DIR name the server under test")
    group = ref(rpc, "base.group_portal")
    login = unique + "-" + str(supplier)
    user = rpc("res.users", "create", {"name": "供应商业务员 " + login, "login": login,
                                       "groups_id": [(6, 0, [group])], "company_id": 1, "company_ids": [(6, 0, [1])]})
    subprocess.run([BIN, "user", "passwd", login, "--data-dir", DATA_DIR, "--database", db], check=True, capture_output=True,
                   env=dict(os.environ, CHAINSTORE_PASSWORD=PASSWORD))
    partner = rpc("res.users", "read", [user], ["partner_id"])[0]["partner_id"][0]
    rpc("res.partner", "write", [partner], {"parent_id": supplier})
    return login, user


@pytest.fixture
def shop(rpc, db, unique):
    """Two suppliers (the first with a GLN), a portal user of each, a lot-tracked yogurt and noodles,
    a confirmed order to each supplier (10 yogurt + 20 noodles; 5 noodles)."""
    gln = gs1("690123400000")
    suppliers = [rpc("res.partner", "create", {"name": unique + " 乳品供应商", "is_company": True, "barcode": gln}),
                 rpc("res.partner", "create", {"name": unique + " 面食供应商", "is_company": True})]
    yogurt_gtin, noodles_gtin = (gs1("69" + str(uuid.uuid4().int % 10**10).zfill(10)) for _ in range(2))
    yogurt = rpc("product.product", "create", {"name": unique + " 酸奶", "type": "product", "detailed_type": "product",
                                               "tracking": "lot", "barcode": yogurt_gtin})
    noodles = rpc("product.product", "create", {"name": unique + " 挂面", "type": "product", "detailed_type": "product",
                                                "barcode": noodles_gtin})
    orders = []
    for supplier, lines in ((suppliers[0], [(yogurt, 10), (noodles, 20)]), (suppliers[1], [(noodles, 5)])):
        order = rpc("purchase.order", "create", {"partner_id": supplier, "order_line": [
            (0, 0, {"product_id": product, "product_qty": quantity, "price_unit": 3}) for product, quantity in lines]})
        assert rpc("purchase.order", "button_confirm", [order]) is True
        orders.append(order)
    users = [portal_user(rpc, db, unique, supplier) for supplier in suppliers]
    lines = rpc("purchase.order.line", "search_read", [("order_id", "=", orders[0])], fields=["product_id"], order="id")
    return {"suppliers": suppliers, "gln": gln, "users": users, "orders": orders, "yogurt": yogurt, "noodles": noodles,
            # In the notice: the yogurt as a GTIN-14, the noodles as printed on the pack (GTIN-13).
            "yogurt_gtin": "0" + yogurt_gtin, "noodles_gtin": noodles_gtin,
            "lines": [line["id"] for line in lines],
            "name": rpc("purchase.order", "read", [orders[0]], ["name"])[0]["name"]}


def notice(shop, number, pallet, noodles=20, lot="L2612A"):
    return {
        "asn_number": number, "supplier_gln": shop["gln"], "purchase_order": shop["name"],
        "despatch_at": "2026-12-06T08:00:00+08:00", "expected_at": "2026-12-07T06:00:00+08:00",
        "vehicle": {"plate": "粤A12345", "driver_phone": "13800000000"},
        "packages": [{"sscc": pallet, "kind": "pallet", "gross_weight_kg": 312.5, "contents": [
            {"po_line_id": shop["lines"][0], "gtin": shop["yogurt_gtin"], "quantity": 10, "lot": lot,
             "production_date": "2026-12-01", "expiry_date": "2027-01-15"},
            {"gtin": shop["noodles_gtin"], "supplier_code": "N-20", "quantity": noodles},
        ]}],
    }


def read_labels(html):
    """Every GS1-128 symbol of the labels page, drawn from its SVG bars and read by zxing-cpp:
    (symbology identifier, text) per symbol, label by label."""
    import re
    symbols = []
    for width, height, path in re.findall(r'<svg[^>]* width="(\d+)" height="(\d+)"[^>]*>.*?<path fill="#000" d="([^"]*)"', html):
        image = Image.new("L", (int(width), int(height) + 40), 255)
        draw = ImageDraw.Draw(image)
        for x, w in re.findall(r"M(\d+),0h(\d+)v", path):
            draw.rectangle([int(x), 20, int(x) + int(w) - 1, 20 + int(height)], fill=0)
        codes = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.Code128)
        assert len(codes) == 1, f"one symbol expected in {width}x{height}"
        symbols.append((codes[0].symbology_identifier, codes[0].text))
    return symbols


def scan(url, db, code, state=None):
    body = {"operation": "receive", "code": code}
    body.update(state or {})
    return call(url, db, "POST", "/api/v1/scan", body, login="admin", password="admin")


def test_a_supplier_sees_only_its_orders_over_the_api_and_xmlrpc(url, db, shop):
    (first, first_uid), (second, second_uid) = shop["users"]
    status, answer = call(url, db, "GET", "/api/v1/supplier/orders", login=first)
    assert status == 200
    assert [order["id"] for order in answer["orders"]] == [shop["orders"][0]]
    order = answer["orders"][0]
    assert order["name"] == shop["name"] and order["acknowledged"] is False and order["receipt_status"] == "pending"
    assert [(line["quantity"], line["received"]) for line in order["lines"]] == [(10, 0), (20, 0)]
    status, answer = call(url, db, "GET", "/api/v1/supplier/orders", login=second)
    assert [order["id"] for order in answer["orders"]] == [shop["orders"][1]]
    # The same through Odoo's API: the record rules of the portal group.
    models = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/object", allow_none=True)
    assert models.execute_kw(db, first_uid, PASSWORD, "purchase.order", "search", [[]]) == [shop["orders"][0]]
    assert models.execute_kw(db, first_uid, PASSWORD, "purchase.order.line", "search_count", [[]]) == 2
    with pytest.raises(xmlrpc.client.Fault, match="AccessError|access"):
        models.execute_kw(db, second_uid, PASSWORD, "purchase.order", "read", [[shop["orders"][0]]], {"fields": ["name"]})
    # Nothing else of the group is theirs to read.
    with pytest.raises(xmlrpc.client.Fault, match="AccessError|access"):
        models.execute_kw(db, first_uid, PASSWORD, "res.partner", "search", [[]])
    # Another supplier's order cannot be answered or announced.
    status, _ = call(url, db, "POST", f"/api/v1/supplier/orders/{shop['orders'][0]}/response",
                     {"key": "answer-" + uuid.uuid4().hex, "lines": [{"line_id": shop["lines"][0], "quantity": 1}]}, login=second)
    assert status == 404
    status, _ = call(url, db, "POST", "/api/v1/supplier/asns", notice(shop, "ASN-X", sscc(uuid.uuid4().int)), login=second)
    assert status == 404


def test_an_answer_is_kept_once_per_key(url, db, rpc, shop):
    first = shop["users"][0][0]
    key = "answer-" + uuid.uuid4().hex
    body = {"key": key, "lines": [{"line_id": shop["lines"][0], "quantity": 10, "date": "2026-12-08"},
                                  {"line_id": shop["lines"][1], "quantity": 18, "date": "2026-12-09", "note": "2 箱缺货"}]}
    path = f"/api/v1/supplier/orders/{shop['orders'][0]}/response"
    assert call(url, db, "POST", path, body, login=first)[0] == 201
    status, answer = call(url, db, "POST", path, body, login=first)
    assert status == 200 and answer["duplicate"] is True
    changed = dict(body, lines=[{"line_id": shop["lines"][0], "quantity": 9}])
    assert call(url, db, "POST", path, changed, login=first)[0] == 409
    lines = rpc("purchase.order.line", "read", shop["lines"], ["supplier_qty", "supplier_date", "supplier_note"])
    assert [(line["supplier_qty"], line["supplier_date"][:10], line["supplier_note"]) for line in lines] == [
        (10, "2026-12-08", False), (18, "2026-12-09", "2 箱缺货")]
    assert rpc("purchase.order", "read", [shop["orders"][0]], ["mail_reception_confirmed"])[0]["mail_reception_confirmed"] is True
    # A line of another order, a negative quantity, a bad day: refused.
    for bad in ([{"line_id": shop["lines"][0] + 10**6, "quantity": 1}], [{"line_id": shop["lines"][0], "quantity": -1}],
                [{"line_id": shop["lines"][0], "quantity": 1, "date": "2026-02-30"}]):
        assert call(url, db, "POST", path, {"key": "answer-" + uuid.uuid4().hex, "lines": bad}, login=first)[0] == 400


def test_a_notice_is_checked_whole_and_a_pallet_is_received_by_one_scan(url, db, rpc, shop):
    first = shop["users"][0][0]
    pallet = sscc(uuid.uuid4().int)
    number = "DA-" + uuid.uuid4().hex[:8]
    count = lambda: rpc("purchase.asn", "search_count", [("purchase_id", "=", shop["orders"][0])])  # noqa: E731
    # Refused whole, nothing kept: a wrong check digit, a tracked product without its lot, a GTIN
    # that is not the line's product, another supplier's GLN, a day that does not exist.
    bad = [
        dict(notice(shop, number, pallet[:-1] + str((int(pallet[-1]) + 1) % 10))),
        notice(shop, number, pallet, lot=None),
        {**notice(shop, number, pallet), "supplier_gln": gs1("690999900000")},
    ]
    wrong_gtin = notice(shop, number, pallet)
    wrong_gtin["packages"][0]["contents"][0]["gtin"] = shop["noodles_gtin"]
    bad_day = notice(shop, number, pallet)
    bad_day["packages"][0]["contents"][0]["expiry_date"] = "2027-02-30"
    for body in bad + [wrong_gtin, bad_day]:
        status, answer = call(url, db, "POST", "/api/v1/supplier/asns", body, login=first)
        assert status == 400, answer
    assert count() == 0

    status, answer = call(url, db, "POST", "/api/v1/supplier/asns", notice(shop, number, pallet), login=first)
    assert status == 201 and answer["state"] == "announced" and answer["version"] == 1 and answer["warnings"] == []
    # The same again (keys in another order): the same notice.
    again = json.loads(json.dumps(notice(shop, number, pallet)), object_pairs_hook=lambda pairs: dict(reversed(pairs)))
    status, duplicate = call(url, db, "POST", "/api/v1/supplier/asns", again, login=first)
    assert status == 200 and duplicate["duplicate"] is True and duplicate["id"] == answer["id"]
    # Changed before arrival: a new version, with a warning for more than was ordered.
    status, replaced = call(url, db, "POST", "/api/v1/supplier/asns", notice(shop, number, pallet, noodles=22), login=first)
    assert status == 200
    assert replaced["id"] == answer["id"] and replaced["version"] == 2
    assert replaced["warnings"] == [f"line {shop['lines'][1]}: quantity 22 exceeds open 20"]
    assert count() == 1
    kept = rpc("purchase.asn", "read", [answer["id"]], ["state", "picking_id", "vehicle_plate", "package_ids", "line_ids"])[0]
    assert kept["state"] == "announced" and kept["vehicle_plate"] == "粤A12345" and len(kept["package_ids"]) == 1
    assert len(kept["line_ids"]) == 2
    # The SSCC is in use: another notice cannot announce it.
    status, _ = call(url, db, "POST", "/api/v1/supplier/asns", notice(shop, number + "B", pallet), login=first)
    assert status == 400

    # At the dock: one scan of the pallet's SSCC (as a GS1-128 element string) opens the receipt and receives it whole.
    status, scanned = scan(url, db, "00" + pallet)
    assert status == 200, scanned
    assert scanned["kind"] == "pallet" and scanned["state"]["picking_id"] == kept["picking_id"][0]
    assert sorted(line["done"] for line in scanned["lines"]) == [10, 22]
    status, done = scan(url, db, None, dict(scanned["state"], action="validate"))
    assert status == 200 and done["kind"] == "done", done
    # What arrived: on the lines, in the pallet, with the lot and its expiry; the notice line by line.
    received = rpc("purchase.order.line", "read", shop["lines"], ["qty_received"])
    assert [line["qty_received"] for line in received] == [10, 22]
    quants = rpc("stock.quant", "search_read", [("package_id.name", "=", pallet)], fields=["product_id", "quantity", "lot_id"])
    assert sorted((q["product_id"][0], q["quantity"]) for q in quants) == sorted([(shop["yogurt"], 10), (shop["noodles"], 22)])
    lot = [q["lot_id"] for q in quants if q["product_id"][0] == shop["yogurt"]][0]
    assert lot[1] == "L2612A"
    assert rpc("stock.lot", "read", [lot[0]], ["expiration_date"])[0]["expiration_date"][:10] == "2027-01-15"
    kept = rpc("purchase.asn", "read", [answer["id"]], ["state", "line_ids"])[0]
    assert kept["state"] == "received"
    lines = rpc("purchase.asn.line", "read", kept["line_ids"], ["quantity", "received_qty", "difference"])
    assert sorted((line["quantity"], line["received_qty"], line["difference"]) for line in lines) == [(10, 10, "ok"), (22, 22, "ok")]
    # The supplier sees it too; after arrival the notice can no longer change.
    status, orders = call(url, db, "GET", "/api/v1/supplier/orders", login=first)
    assert orders["orders"][0]["receipt_status"] == "full" and orders["orders"][0]["asns"][0]["state"] == "received"
    status, _ = call(url, db, "POST", "/api/v1/supplier/asns", notice(shop, number, pallet, noodles=21), login=first)
    assert status == 409


def test_a_pallet_packed_for_a_store_is_addressed_to_it(url, db, rpc, shop, unique):
    """Cross-docking: a package may name the group company it is packed for by its GLN (GS1's
    "ship for", AI 413); the pallet waits on the receipt addressed to that company. A GLN that is
    not a company of the group is refused, leaving nothing."""
    first = shop["users"][0][0]
    gln = gs1("6901" + str(uuid.uuid4().int % 10**8).zfill(8))
    partner = rpc("res.partner", "create", {"name": unique + " 门店商户", "is_company": True, "barcode": gln, "company_id": False})
    store = rpc("res.company", "create", {"name": unique + " 门店", "company_kind": "store", "partner_id": partner})
    number = "XD-" + uuid.uuid4().hex[:8]
    refused = notice(shop, number, sscc(uuid.uuid4().int))
    refused["packages"][0]["deliver_for_gln"] = gs1("690999900001")
    status, answer = call(url, db, "POST", "/api/v1/supplier/asns", refused, login=first)
    assert status == 400 and "deliver_for_gln" in json.dumps(answer), answer
    assert rpc("purchase.asn", "search_count", [("name", "=", number)]) == 0
    pallet = sscc(uuid.uuid4().int)
    body = notice(shop, number, pallet)
    body["packages"][0]["deliver_for_gln"] = gln
    status, answer = call(url, db, "POST", "/api/v1/supplier/asns", body, login=first)
    assert status == 201, answer
    packages = rpc("stock.quant.package", "search_read", [("name", "=", pallet)], fields=["ship_to_company_id"])
    assert [p["ship_to_company_id"][0] for p in packages] == [store]


def test_a_dock_door_reads_an_announced_pallet_and_receives_it_whole(url, db, rpc, shop, unique):
    from epcpy.epc_schemes.sscc import SSCC, SSCCFilterValue
    from test_stock import post_json

    pallet = sscc(uuid.uuid4().int)
    status, answer = call(url, db, "POST", "/api/v1/supplier/asns", notice(shop, "DA-" + uuid.uuid4().hex[:8], pallet), login=shop["users"][0][0])
    assert status == 201, answer
    receipt = rpc("purchase.asn", "read", [answer["id"]], ["picking_id"])[0]["picking_id"][0]
    door = rpc("stock.picking", "read", [receipt], ["location_dest_id"])[0]["location_dest_id"][0]
    reader = unique.upper() + "-DOOR"
    rpc("stock.rfid.reader", "create", {"name": unique + " 收货门", "code": reader, "role": "dock", "location_id": door, "dedup_seconds": 30})
    # The pallet's tag as an independent encoder writes it (7-digit company prefix; the serial
    # reference starts with the extension digit).
    tag = SSCC(f"urn:epc:id:sscc:{pallet[1:8]}.{pallet[0]}{pallet[8:17]}").hex(filter_value=SSCCFilterValue.UNIT_LOAD)
    status, read = post_json(url, db, "/api/v1/rfid/reads", {"reads": [
        {"reader": reader, "antenna": 1, "epc": tag, "rssi": -48, "time": "2026-12-07T06:10:00+08:00"},
        {"reader": reader, "antenna": 2, "epc": tag, "rssi": -44, "time": "2026-12-07T06:10:02+08:00"}]})
    assert status == 200, read
    assert read["unknown"] == [] and read["duplicates"] == 1
    assert read["events"] == [{"kind": "pallet_received", "sscc": pallet, "package_id": read["events"][0]["package_id"],
                               "picking_id": receipt, "location_id": door}], read
    # Received whole: every line of the pallet is done as announced; validating books it.
    lines = rpc("stock.move.line", "search_read", [("picking_id", "=", receipt)], fields=["quantity", "picked", "result_package_id"])
    assert lines and all(line["picked"] and line["result_package_id"][1] == pallet for line in lines)
    assert sorted(line["quantity"] for line in lines) == [10, 20]
    assert rpc("stock.picking", "button_validate", [receipt]) is True
    assert [line["qty_received"] for line in rpc("purchase.order.line", "read", shop["lines"], ["qty_received"])] == [10, 20]
    # Read again after arrival: the pallet is in the warehouse; nothing is received twice.
    status, again = post_json(url, db, "/api/v1/rfid/reads", {"reads": [
        {"reader": reader, "epc": tag, "time": "2026-12-07T09:00:00+08:00"}]})
    assert status == 200 and [event["kind"] for event in again["events"]] == ["pallet_seen"], again
    assert [line["qty_received"] for line in rpc("purchase.order.line", "read", shop["lines"], ["qty_received"])] == [10, 20]


def test_a_pallet_left_on_the_truck_is_short_and_waits_in_a_backorder(url, db, rpc, shop):
    first = shop["users"][0][0]
    pallets = [sscc(uuid.uuid4().int), sscc(uuid.uuid4().int)]
    body = notice(shop, "DA-" + uuid.uuid4().hex[:8], pallets[0])
    yogurt, noodles = body["packages"][0]["contents"]
    body["packages"] = [{"sscc": pallets[0], "contents": [yogurt]}, {"sscc": pallets[1], "contents": [noodles]}]
    status, answer = call(url, db, "POST", "/api/v1/supplier/asns", body, login=first)
    assert status == 201, answer
    # The labels to print: each pallet holds one product, so its label says what (GTIN, count,
    # expiry, lot) above its SSCC.
    request = urllib.request.Request(url + f"/api/v1/supplier/asns/{answer['id']}/labels?db=" + db, headers={
        "Authorization": "Basic " + base64.b64encode(f"{first}:{PASSWORD}".encode()).decode()})
    with urllib.request.urlopen(request, timeout=15) as response:
        assert response.headers["Content-Type"].startswith("text/html")
        html = response.read().decode()
    assert html.count('class="label"') == 2
    symbols = read_labels(html)
    assert all(identifier == "]C1" for identifier, _ in symbols), symbols  # GS1-128, FNC1 first
    texts = [text.replace("(", "").replace(")", "").replace("\x1d", "") for _, text in symbols]
    assert texts == [
        "02" + shop["yogurt_gtin"] + "3710" + "17270115" + "10L2612A", "00" + pallets[0],
        "02" + shop["noodles_gtin"].zfill(14) + "3720", "00" + pallets[1],
    ], texts
    # Another supplier cannot print them.
    assert call(url, db, "GET", f"/api/v1/supplier/asns/{answer['id']}/labels", login=shop["users"][1][0])[0] == 404
    status, scanned = scan(url, db, pallets[0])
    assert status == 200, scanned
    status, done = scan(url, db, None, dict(scanned["state"], action="validate"))
    assert status == 200 and "the rest waits in" in done["message"]
    kept = rpc("purchase.asn", "read", [answer["id"]], ["state", "line_ids"])[0]
    lines = rpc("purchase.asn.line", "read", kept["line_ids"], ["product_id", "quantity", "received_qty", "difference"])
    assert sorted((line["product_id"][0], line["received_qty"], line["difference"]) for line in lines) == sorted([
        (shop["yogurt"], 10, "ok"), (shop["noodles"], 0, "short")])
    assert [line["qty_received"] for line in rpc("purchase.order.line", "read", shop["lines"], ["qty_received"])] == [10, 0]
    # The pallet that did not come is not a pallet of the warehouse.
    assert rpc("stock.quant", "search_count", [("package_id.name", "=", pallets[1])]) == 0


def fill(element, value):
    element.clear()
    element.send_keys(value)


@pytest.mark.skipif(not (CHROMIUM and os.path.exists(CHROMEDRIVER)) and os.environ.get("CHAINSTORE_REQUIRE_BROWSER") != "1",
                    reason="Chromium and chromedriver are not installed (apt-get install chromium chromium-driver)")
def test_the_portal_page_answers_an_order_and_announces_a_pallet(url, db, rpc, shop):
    first = shop["users"][0][0]
    serial = str(uuid.uuid4().int % 10**10).zfill(10)
    driver = headless_chromium("1300,1000")
    try:
        driver.get(url + "/supplier")
        assert driver.title == "Chainstore Supplier Portal"
        for element_id, value in (("login", first), ("password", PASSWORD), ("db", db)):
            fill(WebDriverWait(driver, WAIT).until(EC.visibility_of_element_located((By.ID, element_id))), value)
        driver.find_element(By.ID, "signin").click()
        row = WebDriverWait(driver, WAIT).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, f'#orders tr[data-order="{shop["orders"][0]}"]') or None)[0]
        # Only this supplier's order is listed.
        assert len(driver.find_elements(By.CSS_SELECTOR, "#orders tbody tr")) == 1
        row.click()
        WebDriverWait(driver, WAIT).until(EC.visibility_of_element_located((By.ID, "lines")))
        lines = {int(tr.get_attribute("data-line")): tr for tr in driver.find_elements(By.CSS_SELECTOR, "#lines tbody tr")}
        assert sorted(lines) == sorted(shop["lines"])
        yogurt, noodles = (lines[line] for line in shop["lines"])
        fill(noodles.find_element(By.NAME, "confirm"), "18")
        result = driver.find_element(By.ID, "result")
        seq = result.get_attribute("data-seq")
        driver.find_element(By.ID, "acknowledge").click()
        WebDriverWait(driver, WAIT).until(lambda d: result.get_attribute("data-seq") != seq)
        assert result.get_attribute("data-state") == "ok", result.text
        # The shipment: both lines on one pallet, 17 digits given (the page adds the check digit).
        lines = {int(tr.get_attribute("data-line")): tr for tr in driver.find_elements(By.CSS_SELECTOR, "#lines tbody tr")}
        yogurt, noodles = (lines[line] for line in shop["lines"])
        for line in (yogurt, noodles):
            fill(line.find_element(By.NAME, "sscc"), "3690123" + serial)
        fill(yogurt.find_element(By.NAME, "lot"), "WEB-LOT-1")
        fill(noodles.find_element(By.NAME, "ship"), "18")
        seq = result.get_attribute("data-seq")
        driver.find_element(By.ID, "announce").click()
        WebDriverWait(driver, WAIT).until(lambda d: result.get_attribute("data-seq") != seq)
        assert result.get_attribute("data-state") == "ok", result.text
        assert WebDriverWait(driver, WAIT).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#asns button[data-asn]"))
        # Chinese, on the same screen.
        driver.find_element(By.ID, "lang").click()
        WebDriverWait(driver, WAIT).until(lambda d: d.find_element(By.ID, "announce").text == "提交发货通知")
    finally:
        driver.quit()
    lines = rpc("purchase.order.line", "read", shop["lines"], ["supplier_qty"])
    assert [line["supplier_qty"] for line in lines] == [10, 18]
    notices = rpc("purchase.asn", "search_read", [("purchase_id", "=", shop["orders"][0])], fields=["package_ids", "line_ids"])
    assert len(notices) == 1
    pallet = rpc("purchase.asn.package", "read", notices[0]["package_ids"], ["sscc"])[0]["sscc"]
    assert pallet == sscc(int(serial))
    contents = rpc("purchase.asn.line", "read", notices[0]["line_ids"], ["quantity", "lot_name"])
    assert sorted((line["quantity"], line["lot_name"]) for line in contents) == [(10, "WEB-LOT-1"), (18, False)]


def page(url, db, path, login, password):
    request = urllib.request.Request(url + path + ("&" if "?" in path else "?") + "db=" + db, headers={
        "Authorization": "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()})
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            assert response.headers["Content-Type"].startswith("text/html")
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def pdf(url, db, path, login, password):
    """A report as a PDF file: the status and the bytes (or the error's text)."""
    request = urllib.request.Request(url + path + ("&" if "?" in path else "?") + "db=" + db, headers={
        "Authorization": "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()})
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            assert response.headers["Content-Type"] == "application/pdf"
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def pdf_pages(data):
    """Each page's text as two independent readers see it: pypdf, and poppler's pdftotext (which
    must also find the Chinese font's encoding, with no complaint)."""
    pages = [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages]
    run = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True)
    assert run.stderr == b"", run.stderr
    poppler = run.stdout.decode().split("\f")[:-1]
    assert len(poppler) == len(pages)
    return [(ours, theirs) for ours, theirs in zip(pages, poppler)]


def test_orders_and_transfers_print_as_pdf_files(url, db, rpc, shop):
    orders = ",".join(map(str, shop["orders"]))
    status, data = pdf(url, db, f"/report/pdf/purchase.report_purchaseorder/{orders}", "admin", "admin")
    assert status == 200 and data.startswith(b"%PDF-1.4") and data.rstrip().endswith(b"%%EOF")
    pages = pdf_pages(data)
    assert len(pages) == 2  # one order a page
    for text in pages[0]:
        assert "采购订单 " + shop["name"] in text and "酸奶" in text and "¥90.00" in text
    status, data = pdf(url, db, f"/report/pdf/purchase.report_purchaseorder/{shop['orders'][0]}?lang=en_US", "admin", "admin")
    [(ours, theirs)] = pdf_pages(data)
    for text in (ours, theirs):
        assert "Purchase Order " + shop["name"] in text and "Untaxed Amount" in text and "¥90.00" in text and "1 / 1" in text
    # The same rules as the page: the supplier prints its own order, not another's; bad ids refused.
    assert pdf(url, db, f"/report/pdf/purchase.report_purchaseorder/{shop['orders'][0]}", shop["users"][0][0], PASSWORD)[0] == 200
    assert pdf(url, db, f"/report/pdf/purchase.report_purchaseorder/{orders}", shop["users"][0][0], PASSWORD)[0] == 404
    assert pdf(url, db, "/report/pdf/purchase.report_purchaseorder/1,,2", "admin", "admin")[0] == 400
    # The receipt, and the printed page's link to its PDF file.
    receipt = rpc("purchase.order", "read", [shop["orders"][0]], ["picking_ids"])[0]["picking_ids"][0]
    name = rpc("stock.picking", "read", [receipt], ["name"])[0]["name"]
    status, data = pdf(url, db, f"/report/pdf/stock.report_deliveryslip/{receipt}", "admin", "admin")
    for text in pdf_pages(data)[0]:
        assert "收货单 " + name in text and "挂面" in text
    status, html = page(url, db, f"/report/html/stock.report_deliveryslip/{receipt}?lang=en_US", "admin", "admin")
    assert f'href="/report/pdf/stock.report_deliveryslip/{receipt}?lang=en_US"' in html


def test_orders_and_transfers_print_at_odoos_report_addresses(url, db, rpc, shop):
    orders = ",".join(map(str, shop["orders"]))
    status, html = page(url, db, f"/report/html/purchase.report_purchaseorder/{orders}", "admin", "admin")
    assert status == 200 and html.count('class="document"') == 2
    assert "采购订单 " + shop["name"] in html and "¥" in html and "酸奶" in html
    status, html = page(url, db, f"/report/html/purchase.report_purchaseorder/{shop['orders'][0]}?lang=en_US", "admin", "admin")
    assert "Purchase Order " + shop["name"] in html and "Untaxed Amount" in html and "¥90.00" in html  # 30 × 3.00
    # The supplier prints its own order, not another's.
    assert page(url, db, f"/report/html/purchase.report_purchaseorder/{shop['orders'][0]}", shop["users"][0][0], PASSWORD)[0] == 200
    assert page(url, db, f"/report/html/purchase.report_purchaseorder/{orders}", shop["users"][0][0], PASSWORD)[0] == 404
    for bad in ("x", "1,,2", ",".join(["1"] * 101)):
        assert page(url, db, f"/report/html/purchase.report_purchaseorder/{bad}", "admin", "admin")[0] == 400
    # The receipt as a document, and in the centre's schedule of what is due in.
    receipt = rpc("purchase.order", "read", [shop["orders"][0]], ["picking_ids"])[0]["picking_ids"][0]
    name = rpc("stock.picking", "read", [receipt], ["name"])[0]["name"]
    status, html = page(url, db, f"/report/html/stock.report_deliveryslip/{receipt}", "admin", "admin")
    assert status == 200 and "收货单 " + name in html and "挂面" in html
    status, schedule = call(url, db, "GET", "/api/v1/stock/schedule?days=31", login="admin", password="admin")
    assert status == 200
    incoming = [transfer for day in schedule["days"] for transfer in day["incoming"]["transfers"]]
    mine = [transfer for transfer in incoming if transfer["id"] == receipt]
    assert len(mine) == 1 and mine[0]["name"] == name and mine[0]["units"] == 30
    # A store sees only what comes to it.
    status, store_schedule = call(url, db, "GET", "/api/v1/stock/schedule?days=31", login="store1", password="store1")
    assert status == 200 and receipt not in [t["id"] for day in store_schedule["days"] for kind in ("incoming", "outgoing") for t in day[kind]["transfers"]]
    for bad in ("days=0", "days=32", "from=2026-02-30", "from=yesterday"):
        assert call(url, db, "GET", "/api/v1/stock/schedule?" + bad, login="admin", password="admin")[0] == 400
    # A wave's pick list.
    batch = rpc("stock.picking.batch", "create", {"picking_ids": [(6, 0, [receipt])]})
    status, html = page(url, db, f"/report/html/stock_picking_batch.report_picking_batch/{batch}?lang=en_US", "admin", "admin")
    assert status == 200 and "Batch Pick List" in html and "酸奶" in html
