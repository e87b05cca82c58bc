"""Receiving and shipping goods the way an Odoo 17 integration script does, over XML-RPC and
with odoorpc, then proving the books balance with `chainstore check stock`."""
import os
import subprocess
import xmlrpc.client

import pytest

BIN = os.environ.get("CHAINSTORE_BIN")
DATA_DIR = os.environ.get("CHAINSTORE_DATA_DIR")


def ref(rpc, xmlid):
    module, name = xmlid.split(".")
    return rpc("ir.model.data", "check_object_reference", module, name)[1]


def on_hand(rpc, product, location):
    quants = rpc("stock.quant", "search_read", [("product_id", "=", product), ("location_id", "child_of", location)],
                 fields=["quantity", "reserved_quantity"])
    return sum(q["quantity"] for q in quants), sum(q["reserved_quantity"] for q in quants)


@pytest.fixture
def places(rpc):
    return {
        "in": ref(rpc, "stock.picking_type_in"),
        "out": ref(rpc, "stock.picking_type_out"),
        "stock": ref(rpc, "stock.stock_location_stock"),
        "vendors": ref(rpc, "stock.stock_location_suppliers"),
        "customers": ref(rpc, "stock.stock_location_customers"),
    }


def test_an_odoo_script_receives_and_ships(rpc, places, unique):
    product = rpc("product.product", "create", {"name": unique, "type": "product", "detailed_type": "product"})
    uom = rpc("product.product", "read", [product], ["uom_id"])[0]["uom_id"][0]
    # The receipt, written out in full as scripts written for Odoo do.
    receipt = rpc("stock.picking", "create", {
        "picking_type_id": places["in"], "location_id": places["vendors"], "location_dest_id": places["stock"], "origin": unique,
        "move_ids": [(0, 0, {"name": unique, "product_id": product, "product_uom_qty": 12, "product_uom": uom,
                             "location_id": places["vendors"], "location_dest_id": places["stock"]})],
    })
    assert rpc("stock.picking", "action_confirm", [receipt]) is True
    assert rpc("stock.picking", "action_assign", [receipt]) is True
    picking = rpc("stock.picking", "read", [receipt], ["name", "state", "move_ids"])[0]
    assert picking["state"] == "assigned"
    assert picking["name"].startswith("WH/IN/")
    for move in rpc("stock.move", "read", picking["move_ids"], ["product_uom_qty"]):
        rpc("stock.move", "write", [move["id"]], {"quantity": move["product_uom_qty"]})
    assert rpc("stock.picking", "button_validate", [receipt]) is True
    assert rpc("stock.picking", "read", [receipt], ["state"])[0]["state"] == "done"
    assert on_hand(rpc, product, places["stock"]) == (12, 0)

    # A delivery of 5 of which 3 leave now: Odoo's backorder question, answered "yes".
    delivery = rpc("stock.picking", "create", {
        "picking_type_id": places["out"], "move_ids": [(0, 0, {"product_id": product, "product_uom_qty": 5})],
    })
    rpc("stock.picking", "action_confirm", [delivery])
    assert on_hand(rpc, product, places["stock"]) == (12, 5)
    move = rpc("stock.move", "search", [("picking_id", "=", delivery)])
    rpc("stock.move", "write", move, {"quantity": 3})
    action = rpc("stock.picking", "button_validate", [delivery])
    assert action["res_model"] == "stock.backorder.confirmation"
    wizard = rpc("stock.backorder.confirmation", "create", {"pick_ids": [(4, delivery)]})
    assert rpc("stock.backorder.confirmation", "process", [wizard]) is True
    backorder = rpc("stock.picking", "search_read", [("backorder_id", "=", delivery)], fields=["state", "move_ids"])
    assert len(backorder) == 1 and backorder[0]["state"] == "assigned"
    assert on_hand(rpc, product, places["stock"]) == (9, 2)
    # The backorder is cancelled: its reservation is given back.
    assert rpc("stock.picking", "action_cancel", [backorder[0]["id"]]) is True
    assert on_hand(rpc, product, places["stock"]) == (9, 0)
    lines = rpc("stock.move.line", "search_read", [("product_id", "=", product), ("state", "=", "done")],
                fields=["location_id", "location_dest_id", "quantity"], order="id")
    assert [(l["location_id"][0], l["location_dest_id"][0], l["quantity"]) for l in lines] == [
        (places["vendors"], places["stock"], 12), (places["stock"], places["customers"], 3)]


def test_odoorpc_validates_with_context_and_lots(odoo, rpc, places, unique):
    Product = odoo.env["product.product"]
    product = Product.create({"name": unique, "type": "product", "detailed_type": "product", "tracking": "lot"})
    Picking = odoo.env["stock.picking"]
    receipt = Picking.create({"picking_type_id": places["in"], "move_ids": [(0, 0, {"product_id": product, "product_uom_qty": 4})]})
    Picking.browse(receipt).action_confirm()
    line = odoo.env["stock.move.line"].search([("picking_id", "=", receipt)])
    odoo.env["stock.move.line"].browse(line).write({"lot_name": unique + "-LOT", "quantity": 4})
    odoo.env.context["skip_backorder"] = True
    try:
        assert Picking.browse(receipt).button_validate() is True
    finally:
        del odoo.env.context["skip_backorder"]
    lot = odoo.env["stock.lot"].search_read([("name", "=", unique + "-LOT")], ["product_id", "product_qty"])
    assert lot[0]["product_id"][0] == product and lot[0]["product_qty"] == 4


def test_balances_cannot_be_written_and_bad_calls_change_nothing(rpc, places, unique):
    product = rpc("product.product", "create", {"name": unique, "type": "product", "detailed_type": "product"})
    receipt = rpc("stock.picking", "create", {"picking_type_id": places["in"],
                                              "move_ids": [(0, 0, {"product_id": product, "product_uom_qty": 2})]})
    rpc("stock.picking", "button_validate", [receipt], context={"skip_backorder": True})
    quant = rpc("stock.quant", "search", [("product_id", "=", product)])
    with pytest.raises(xmlrpc.client.Fault) as denied:
        rpc("stock.quant", "write", quant, {"quantity": 1000})
    assert "AccessError" in denied.value.faultString or "not allowed" in denied.value.faultString
    with pytest.raises(xmlrpc.client.Fault):
        rpc("stock.quant", "create", {"product_id": product, "location_id": places["stock"], "quantity": 5})
    with pytest.raises(xmlrpc.client.Fault) as missing:
        rpc("stock.picking", "button_validate", [987654321])
    assert "does not exist" in missing.value.faultString
    # Shipping more than there is is refused whole: nothing moves.
    delivery = rpc("stock.picking", "create", {"picking_type_id": places["out"],
                                               "move_ids": [(0, 0, {"product_id": product, "product_uom_qty": 5})]})
    rpc("stock.move", "write", rpc("stock.move", "search", [("picking_id", "=", delivery)]), {"quantity": 5})
    with pytest.raises(xmlrpc.client.Fault) as short:
        rpc("stock.picking", "button_validate", [delivery], context={"skip_backorder": True})
    assert "Not enough stock" in short.value.faultString
    assert on_hand(rpc, product, places["stock"]) == (2, 0)
    assert rpc("stock.picking", "read", [delivery], ["state"])[0]["state"] == "draft"


@pytest.mark.skipif(not (BIN and DATA_DIR), reason="CHAINSTORE_BIN and CHAINSTORE_DATA_DIR name the server under test")
def test_check_stock_reports_a_balanced_ledger():
    run = subprocess.run([BIN, "check", "stock", "--data-dir", DATA_DIR, "--database", os.environ.get("CHAINSTORE_DB", "demo")],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert " 0 differences" in run.stdout and "stock: 0 balances" not in run.stdout


def post_scan(url, db, body, auth=("admin", os.environ.get("CHAINSTORE_ADMIN_PASSWORD", "admin")), raw=None):
    import base64
    import json
    import urllib.error
    import urllib.request
    data = raw if raw is not None else json.dumps(body).encode()
    request = urllib.request.Request(url + "/api/v1/scan?db=" + db, data=data, method="POST",
                                     headers={"Content-Type": "application/json"})
    if auth:
        request.add_header("Authorization", "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def test_the_scan_api_refuses_bad_scans_with_a_reason(url, db, rpc, places, unique):
    receipt = rpc("stock.picking", "create", {"picking_type_id": places["in"]})
    name = rpc("stock.picking", "read", [receipt], ["name"])[0]["name"]
    status, answer = post_scan(url, db, {"operation": "receive", "code": name})
    assert status == 200 and answer["kind"] == "picking" and answer["state"]["picking_id"] == receipt
    # A receipt is not something to pick; the state comes back unchanged.
    status, answer = post_scan(url, db, {"operation": "pick", "code": name})
    assert status == 422 and answer["error"] == "wrong_context" and "receipt" in answer["message"]
    assert post_scan(url, db, {"operation": "receive", "code": "'; DELETE FROM stock_quant; --", "picking_id": receipt})[0] == 404
    assert post_scan(url, db, {"operation": "receive", "code": "6901234567890", "picking_id": receipt})[1]["error"] == "malformed"
    assert post_scan(url, db, {"operation": "teleport", "code": name})[0] == 400
    assert post_scan(url, db, {"operation": "receive", "code": name, "picking_id": "x"})[0] == 400
    assert post_scan(url, db, None, raw=b"{not json")[0] == 400
    assert post_scan(url, db, None, raw=b"[1, 2]")[0] == 400
    assert post_scan(url, db, {"operation": "receive", "code": "x" * 300})[0] == 400
    assert post_scan(url, db, {"operation": "receive", "code": name}, auth=None)[0] == 401
    assert post_scan(url, db, {"operation": "receive", "code": name}, auth=("admin", "wrong"))[0] == 401
    status, _ = post_scan(url, db, None, raw=b'{"operation": "receive", "code": "' + b"9" * 40000 + b'"}')
    assert status in (400, 413)
    assert rpc("stock.move.line", "search_count", [("picking_id", "=", receipt)]) == 0


def post_json(url, db, path, body, raw=None):
    import base64
    import json
    import urllib.error
    import urllib.request
    data = raw if raw is not None else json.dumps(body).encode()
    request = urllib.request.Request(url + path + "?db=" + db, data=data, method="POST", headers={"Content-Type": "application/json"})
    secret = os.environ.get("CHAINSTORE_ADMIN_PASSWORD", "admin")
    request.add_header("Authorization", "Basic " + base64.b64encode(f"admin:{secret}".encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def test_rfid_reads_from_a_dock_door_keep_unknown_tags(url, db, rpc, places, unique):
    from epcpy.epc_schemes.sscc import SSCC, SSCCFilterValue

    reader = unique.upper()
    rpc("stock.rfid.reader", "create", {"name": unique, "code": reader, "role": "dock", "location_id": places["stock"], "dedup_seconds": 30})
    # A pallet tag written by an independent encoder; no pallet carries that SSCC here.
    epc = SSCC("urn:epc:id:sscc:6901234.0000054321").hex(filter_value=SSCCFilterValue.ALL_OTHERS)
    reads = [{"reader": reader, "antenna": 1, "epc": epc, "rssi": -50, "time": "2026-11-26T10:00:00Z"},
             {"reader": reader, "antenna": 2, "epc": epc, "rssi": -45, "time": "2026-11-26T10:00:01.500Z"},
             {"reader": reader, "epc": "not-an-epc", "time": 1795600000}]
    status, answer = post_json(url, db, "/api/v1/rfid/reads", {"reads": reads})
    assert status == 200, answer
    assert answer["received"] == 3 and answer["duplicates"] == 1 and answer["sightings"] == 2
    assert len(answer["unknown"]) == 2
    assert any(u["uri"] == "urn:epc:id:sscc:6901234.0000054321" and "no pallet" in u["reason"] for u in answer["unknown"])
    kept = rpc("stock.rfid.sighting", "search_read", [("reader_id.code", "=", reader)], fields=["status", "reason", "reads"])
    assert sorted(s["status"] for s in kept) == ["unknown", "unknown"] and all(s["reason"] for s in kept)
    assert post_json(url, db, "/api/v1/rfid/reads", None, raw=b"{")[0] == 400
    assert post_json(url, db, "/api/v1/rfid/reads", {"reads": [{"reader": "NO-SUCH-READER", "epc": epc, "time": 1}]})[0] == 400
    assert post_json(url, db, "/api/v1/rfid/reads", {"reads": [{"reader": reader, "epc": epc, "time": "yesterday"}]})[0] == 400
    assert post_json(url, db, "/api/v1/rfid/reads", {"reads": [{"reader": reader, "epc": epc}] * 20001})[0] == 400


def test_product_quantities_follow_odoos_context_keys(rpc, odoo, places, unique):
    product = rpc("product.product", "create", {"name": unique, "type": "product", "detailed_type": "product"})
    template = rpc("product.product", "read", [product], ["product_tmpl_id"])[0]["product_tmpl_id"][0]
    received = rpc("stock.picking", "create", {"picking_type_id": places["in"],
                                               "move_ids": [(0, 0, {"product_id": product, "product_uom_qty": 12})]})
    rpc("stock.picking", "button_validate", [received], context={"skip_backorder": True})
    # Still to come: 4 in; still to go: 5 out, reserved on the shelf.
    incoming = rpc("stock.picking", "create", {"picking_type_id": places["in"],
                                               "move_ids": [(0, 0, {"product_id": product, "product_uom_qty": 4})]})
    rpc("stock.picking", "action_confirm", [incoming])
    outgoing = rpc("stock.picking", "create", {"picking_type_id": places["out"],
                                               "move_ids": [(0, 0, {"product_id": product, "product_uom_qty": 5})]})
    rpc("stock.picking", "action_confirm", [outgoing])
    rpc("stock.picking", "action_assign", [outgoing])

    names = ["qty_available", "incoming_qty", "outgoing_qty", "virtual_available", "free_qty"]
    expected = {"qty_available": 12, "incoming_qty": 4, "outgoing_qty": 5, "virtual_available": 11, "free_qty": 7}
    assert {k: v for k, v in rpc("product.product", "read", [product], names)[0].items() if k != "id"} == expected
    template_names = [n for n in names if n != "free_qty"]
    assert rpc("product.template", "read", [template], template_names)[0] == {"id": template, **{n: expected[n] for n in template_names}}
    # The same through odoorpc's records, with the context on the environment.
    assert odoo.env["product.product"].browse(product).qty_available == 12

    # Where: a warehouse (by id or name), a location and what is below it, or elsewhere.
    warehouse = rpc("stock.warehouse", "search_read", [("lot_stock_id", "=", places["stock"])], fields=["name"])[0]
    def quantities(**context):
        return rpc("product.product", "read", [product], ["qty_available", "incoming_qty", "outgoing_qty"], context=context)[0]
    assert quantities(warehouse=warehouse["id"])["qty_available"] == 12
    assert quantities(warehouse=warehouse["name"])["qty_available"] == 12
    assert quantities(location=places["stock"])["qty_available"] == 12
    at_customers = quantities(location=places["customers"])
    assert (at_customers["qty_available"], at_customers["incoming_qty"], at_customers["outgoing_qty"]) == (0, 5, 0)
    # When: before anything was received there was nothing, and nothing was due.
    assert quantities(to_date="2000-01-01") == {"id": product, "qty_available": 0, "incoming_qty": 0, "outgoing_qty": 0}
    assert quantities(to_date="2999-12-31 23:59:59")["incoming_qty"] == 4

    # Searchable and sortable as Odoo allows.
    mine = [("id", "=", product)]
    assert rpc("product.product", "search", mine + [("qty_available", ">", 0)]) == [product]
    assert rpc("product.product", "search", mine + [("qty_available", ">", 12)]) == []
    assert rpc("product.product", "search", mine + [("virtual_available", "=", 11)]) == [product]
    assert rpc("product.product", "search", mine + [("free_qty", "<", 8), ("incoming_qty", ">=", 4)]) == [product]
    assert rpc("product.product", "search", mine + [("qty_available", ">", 0)], context={"location": places["customers"]}) == []
    ranked = rpc("product.product", "search_read", [("id", "in", [product, product - 1])], fields=["qty_available"],
                 order="qty_available desc")
    assert ranked[0]["id"] == product

    # Bad input is refused with Odoo's words, and reads nothing.
    with pytest.raises(xmlrpc.client.Fault) as operator:
        rpc("product.product", "search", [("qty_available", "like", "1")])
    assert "Invalid domain operator" in operator.value.faultString
    with pytest.raises(xmlrpc.client.Fault) as operand:
        rpc("product.product", "search", [("qty_available", ">", "many")])
    assert "Invalid domain right operand" in operand.value.faultString
    with pytest.raises(xmlrpc.client.Fault) as date:
        quantities(to_date="yesterday; DROP TABLE stock_quant")
    assert "to_date" in date.value.faultString
    try:  # Odoo ignores a value written to a computed field without an inverse
        rpc("product.product", "write", [product], {"qty_available": 1000})
    except xmlrpc.client.Fault:
        pass
    assert rpc("product.product", "read", [product], ["qty_available"])[0]["qty_available"] == 12
