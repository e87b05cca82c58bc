"""The till API (/api/v1/scan, /api/v1/catalogue) on two server processes sharing one database."""
import base64
import json
import os
import random
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest


BIN = os.environ.get("CHAINSTORE_BIN")
DATA_DIR = os.environ.get("CHAINSTORE_DATA_DIR")


def ean13(rng):
    body = "69" + "".join(rng.choice("0123456789") for _ in range(10))
    total = sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(body))
    return body + str((10 - total % 10) % 10)


def get(base, path, user="store1", password="store1", **params):
    request = urllib.request.Request(base + path + "?" + urllib.parse.urlencode(params))
    if user is not None:
        request.add_header("Authorization", "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())




@pytest.fixture(scope="module")
def second_node():
    if not BIN or not DATA_DIR:
        pytest.skip("CHAINSTORE_BIN and CHAINSTORE_DATA_DIR name the server under test")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = open(os.path.join(DATA_DIR, "second-node.log"), "w")
    node = subprocess.Popen([BIN, "serve", "--data-dir", DATA_DIR, "--database", "demo", "--port", str(port)], stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            with urllib.request.urlopen(base + "/health/ready", timeout=1) as response:
                if response.status == 200:
                    break
        except OSError:
            time.sleep(0.25)
    else:
        node.kill()
        pytest.fail("the second node did not become ready")
    yield base
    node.terminate()
    node.wait(timeout=30)


@pytest.fixture
def product(rpc, unique):
    code = ean13(random.Random(unique))
    template = rpc("product.template", "create", {"name": unique, "list_price": 10, "barcode": code, "taxes_id": [(6, 0, [1])]})
    variant = rpc("product.product", "search", [("product_tmpl_id", "=", template)])[0]
    store = rpc("res.company", "search", [("name", "=", "Guangzhou Store 001")])[0]
    return {"code": code, "template": template, "variant": variant, "store": store}


def test_a_price_change_on_one_node_reaches_the_other_within_a_second(url, second_node, rpc, product, unique):
    status, first = get(second_node, "/api/v1/scan", code=product["code"])
    assert status == 200 and first["price_unit"] == 10.0 and first["product"]["id"] == product["variant"]
    rpc("product.pricelist", "create", {"name": unique, "company_id": product["store"], "item_ids": [
        (0, 0, {"applied_on": "0_product_variant", "product_id": product["variant"], "compute_price": "fixed", "fixed_price": 7.5})]})
    changed = time.monotonic()
    while True:
        status, answer = get(second_node, "/api/v1/scan", code=product["code"])
        assert status == 200
        if answer["price_unit"] == 7.5:
            break
        assert time.monotonic() - changed < 1.0, "the second node still sells at the old price after 1 s"
        time.sleep(0.02)
    assert answer["amount"] == 7.5 and answer["amount_tax"] == 0.86


def test_catalogue_pages_then_deltas(url, rpc, product):
    seen, after, version = {}, 0, None
    while True:
        status, page = get(url, "/api/v1/catalogue", after=after, limit=500)
        assert status == 200
        version = page["version"] if version is None else version
        seen.update({p["id"]: p for p in page["products"]})
        if not page["more"]:
            break
        after = page["next_after"]
    assert seen[product["variant"]]["price"] == 10.0 and seen[product["variant"]]["barcode"] == product["code"]
    rpc("product.template", "write", [product["template"]], {"list_price": 12})
    status, delta = get(url, "/api/v1/catalogue", since=version)
    assert status == 200
    changed = {p["id"]: p for p in delta["products"]}
    assert changed[product["variant"]]["price"] == 12.0
    assert delta["version"] > version
    rpc("product.template", "write", [product["template"]], {"active": False})
    status, later = get(url, "/api/v1/catalogue", since=delta["version"])
    assert [p["active"] for p in later["products"] if p["id"] == product["variant"]] == [False]
    status, none = get(url, "/api/v1/catalogue", since=later["version"])
    assert none["products"] == [] and none["version"] == later["version"]


def test_scan_refuses_bad_input_and_strangers(url, product):
    assert get(url, "/api/v1/scan", code="6901234567891")[0] == 400
    assert get(url, "/api/v1/scan", code=ean13(random.Random("unknown " + product["code"])))[0] == 404
    assert get(url, "/api/v1/scan", code="' OR 1=1 --")[0] == 404
    assert get(url, "/api/v1/scan", code="]C1" + "01" + "0" + product["code"] + "17" + "261399")[0] == 400
    assert get(url, "/api/v1/scan", user=None, code=product["code"])[0] == 401
    assert get(url, "/api/v1/scan", password="wrong", code=product["code"])[0] == 401
    assert get(url, "/api/v1/scan", code=product["code"], company=1)[0] == 403
    assert get(url, "/api/v1/catalogue", limit=0)[0] == 400
    status, gs1 = get(url, "/api/v1/scan", code="(01)0" + product["code"] + "(17)260631(10)L42")
    assert status == 400  # June has 30 days
    status, gs1 = get(url, "/api/v1/scan", code="(01)0" + product["code"] + "(17)260630(10)L42")
    assert status == 200 and gs1["lot"] == "L42" and gs1["expiry"] == "2026-06-30"


def test_product_changes_reach_the_other_nodes_index(url, second_node, rpc, product, unique):
    assert get(second_node, "/api/v1/scan", code=product["code"])[1]["product"]["name"] == unique
    rpc("product.template", "write", [product["template"]], {"name": unique + " renamed", "list_price": 11})
    changed = time.monotonic()
    while True:
        status, answer = get(second_node, "/api/v1/scan", code=product["code"])
        if answer["product"]["name"] == unique + " renamed" and answer["price_unit"] == 11.0:
            break
        assert time.monotonic() - changed < 1.0, answer
        time.sleep(0.02)
    rpc("product.template", "write", [product["template"]], {"active": False})
    changed = time.monotonic()
    while get(second_node, "/api/v1/scan", code=product["code"])[0] != 404:
        assert time.monotonic() - changed < 1.0
        time.sleep(0.02)
