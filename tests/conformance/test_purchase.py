"""Reordering and purchasing the way an Odoo 17 integration script drives them over XML-RPC:
a reordering rule, the scheduler, the request for quotation it makes, confirmation, the receipt,
a partial delivery with a backorder; approval above the company's threshold; bad input refused."""
import xmlrpc.client

import pytest

from test_stock import places, ref  # noqa: F401  (fixture and helper shared with the stock tests)

ADMIN_PASSWORD = "admin"


def vendor_product(rpc, unique, price=4.5, delay=3, min_qty=0):
    vendor = rpc("res.partner", "create", {"name": unique + " 供应商", "is_company": True, "supplier_rank": 1})
    product = rpc("product.product", "create", {"name": unique, "type": "product", "detailed_type": "product", "default_code": unique})
    template = rpc("product.product", "read", [product], ["product_tmpl_id"])[0]["product_tmpl_id"][0]
    rpc("product.supplierinfo", "create", {"partner_id": vendor, "product_tmpl_id": template, "price": price, "delay": delay, "min_qty": min_qty})
    return vendor, product


def main_warehouse(rpc, places):
    return rpc("stock.warehouse", "search", [("lot_stock_id", "=", places["stock"])])[0]


def test_an_odoo_script_reorders_buys_and_receives_with_a_backorder(rpc, places, unique):
    vendor, product = vendor_product(rpc, unique)
    rule = rpc("stock.warehouse.orderpoint", "create", {
        "product_id": product, "warehouse_id": main_warehouse(rpc, places), "location_id": places["stock"],
        "product_min_qty": 10, "product_max_qty": 50, "qty_multiple": 6,
    })
    figures = rpc("stock.warehouse.orderpoint", "read", [rule], ["name", "qty_on_hand", "qty_forecast", "qty_to_order", "lead_days", "vendor_id"])[0]
    # Nothing on hand: up to 50, rounded up to a multiple of 6; the vendor's 3 days of lead time.
    assert (figures["qty_on_hand"], figures["qty_forecast"], figures["qty_to_order"], figures["lead_days"]) == (0, 0, 54, 3)
    # vendor_id is the rule's own vendor line's (none here: the product's first vendor is used).
    assert figures["vendor_id"] is False and figures["name"].startswith("OP/")

    assert rpc("procurement.group", "run_scheduler") == {}
    lines = rpc("purchase.order.line", "search_read", [("orderpoint_id", "=", rule)],
                fields=["order_id", "product_qty", "price_unit", "price_subtotal", "name", "date_planned"])
    assert len(lines) == 1
    line = lines[0]
    assert (line["product_qty"], line["price_unit"], line["price_subtotal"]) == (54, 4.5, 243)
    assert line["name"] == f"[{unique}] {unique}"
    order = rpc("purchase.order", "read", [line["order_id"][0]], ["state", "partner_id", "origin", "amount_untaxed", "name"])[0]
    assert order["state"] == "draft" and order["partner_id"][0] == vendor
    assert figures["name"] in order["origin"] and order["name"].startswith("P")

    # The request for quotation counts in the forecast: a second run orders nothing more.
    assert rpc("stock.warehouse.orderpoint", "read", [rule], ["qty_forecast", "qty_to_order"])[0] == {
        "id": rule, "qty_forecast": 54, "qty_to_order": 0}
    # Computed for the records read: not searchable (Odoo refuses non-stored fields in domains too).
    with pytest.raises(xmlrpc.client.Fault, match="cannot be searched"):
        rpc("stock.warehouse.orderpoint", "search", [("qty_to_order", ">", 0)])
    listed = rpc("stock.warehouse.orderpoint", "search_read", [("id", "=", rule)], fields=["qty_to_order", "lead_days_date"])
    assert listed[0]["qty_to_order"] == 0 and len(listed[0]["lead_days_date"]) == 10
    rpc("procurement.group", "run_scheduler")
    assert rpc("purchase.order.line", "search_count", [("orderpoint_id", "=", rule)]) == 1

    assert rpc("purchase.order", "button_confirm", [order["id"]]) is True
    confirmed = rpc("purchase.order", "read", [order["id"]], ["state", "picking_ids", "incoming_picking_count", "receipt_status", "date_approve"])[0]
    assert confirmed["state"] == "purchase" and confirmed["date_approve"]
    assert confirmed["incoming_picking_count"] == 1 and confirmed["receipt_status"] == "pending"
    receipt = confirmed["picking_ids"][0]
    picking = rpc("stock.picking", "read", [receipt], ["state", "origin", "partner_id", "move_ids", "purchase_id", "picking_type_id"])[0]
    assert picking["origin"] == order["name"] and picking["partner_id"][0] == vendor and picking["purchase_id"][0] == order["id"]
    assert picking["state"] == "assigned" and picking["picking_type_id"][0] == places["in"]
    move = rpc("stock.move", "read", picking["move_ids"], ["product_uom_qty", "purchase_line_id", "price_unit"])[0]
    assert (move["product_uom_qty"], move["purchase_line_id"][0], move["price_unit"]) == (54, line["id"], 4.5)

    # 30 arrive now, the rest later: Odoo's backorder question answered "yes".
    rpc("stock.move", "write", [move["id"]], {"quantity": 30})
    action = rpc("stock.picking", "button_validate", [receipt])
    assert action["res_model"] == "stock.backorder.confirmation"
    wizard = rpc("stock.backorder.confirmation", "create", {"pick_ids": [(4, receipt)]})
    assert rpc("stock.backorder.confirmation", "process", [wizard]) is True
    assert rpc("purchase.order.line", "read", [line["id"]], ["qty_received"])[0]["qty_received"] == 30
    status = rpc("purchase.order", "read", [order["id"]], ["receipt_status", "incoming_picking_count", "picking_ids"])[0]
    assert status["receipt_status"] == "partial" and status["incoming_picking_count"] == 2
    backorder = rpc("stock.picking", "search_read", [("backorder_id", "=", receipt)], fields=["purchase_id", "move_ids", "state"])[0]
    assert backorder["purchase_id"][0] == order["id"] and backorder["state"] == "assigned"
    rest = rpc("stock.move", "read", backorder["move_ids"], ["product_uom_qty", "purchase_line_id"])[0]
    assert (rest["product_uom_qty"], rest["purchase_line_id"][0]) == (24, line["id"])
    rpc("stock.move", "write", [rest["id"]], {"quantity": 24})
    assert rpc("stock.picking", "button_validate", [backorder["id"]]) is True
    assert rpc("purchase.order.line", "read", [line["id"]], ["qty_received"])[0]["qty_received"] == 54
    assert rpc("purchase.order", "read", [order["id"]], ["receipt_status", "is_shipped"])[0] == {
        "id": order["id"], "receipt_status": "full", "is_shipped": True}
    on_hand = rpc("stock.warehouse.orderpoint", "read", [rule], ["qty_on_hand", "qty_to_order"])[0]
    assert (on_hand["qty_on_hand"], on_hand["qty_to_order"]) == (54, 0)

    # Goods arrived: the order can no longer be cancelled, nor its lines changed.
    with pytest.raises(xmlrpc.client.Fault, match="some receptions have already been done"):
        rpc("purchase.order", "button_cancel", [order["id"]])
    with pytest.raises(xmlrpc.client.Fault, match="can no longer change"):
        rpc("purchase.order.line", "write", [line["id"]], {"product_qty": 99})
    assert rpc("purchase.order.line", "read", [line["id"]], ["product_qty"])[0]["product_qty"] == 54


def test_a_vendor_line_sets_price_by_quantity_and_its_minimum(rpc, places, unique):
    vendor, product = vendor_product(rpc, unique, price=10, min_qty=0)
    template = rpc("product.product", "read", [product], ["product_tmpl_id"])[0]["product_tmpl_id"][0]
    # From 100 units the vendor charges less; its smallest order is 24.
    rpc("product.supplierinfo", "write", rpc("product.supplierinfo", "search", [("product_tmpl_id", "=", template)]), {"min_qty": 24})
    rpc("product.supplierinfo", "create", {"partner_id": vendor, "product_tmpl_id": template, "price": 8, "min_qty": 100, "delay": 3})
    small = rpc("stock.warehouse.orderpoint", "create", {
        "product_id": product, "warehouse_id": main_warehouse(rpc, places), "location_id": places["stock"],
        "product_min_qty": 5, "product_max_qty": 10, "qty_multiple": 1,
    })
    assert rpc("stock.warehouse.orderpoint", "read", [small], ["qty_to_order"])[0]["qty_to_order"] == 24
    rpc("stock.warehouse.orderpoint", "action_replenish", [small])
    line = rpc("purchase.order.line", "search_read", [("orderpoint_id", "=", small)], fields=["product_qty", "price_unit"])[0]
    assert (line["product_qty"], line["price_unit"]) == (24, 10)
    # A line added by hand takes the vendor's price for its quantity, as Odoo 17 computes it.
    order = rpc("purchase.order", "create", {"partner_id": vendor, "order_line": [(0, 0, {"product_id": product, "product_qty": 120})]})
    hand = rpc("purchase.order", "read", [order], ["order_line", "amount_total", "picking_type_id"])[0]
    assert rpc("purchase.order.line", "read", hand["order_line"], ["price_unit"])[0]["price_unit"] == 8
    assert hand["amount_total"] == 960 and hand["picking_type_id"]


def test_a_rule_without_a_vendor_is_flagged_and_orders_nothing(rpc, places, unique):
    product = rpc("product.product", "create", {"name": unique, "type": "product", "detailed_type": "product"})
    rule = rpc("stock.warehouse.orderpoint", "create", {
        "product_id": product, "warehouse_id": main_warehouse(rpc, places), "location_id": places["stock"],
        "product_min_qty": 1, "product_max_qty": 5,
    })
    rpc("stock.warehouse.orderpoint", "action_replenish", [rule])
    assert rpc("purchase.order.line", "search_count", [("orderpoint_id", "=", rule)]) == 0
    assert "no matching vendor" in rpc("stock.warehouse.orderpoint", "read", [rule], ["procure_exception"])[0]["procure_exception"]


def test_orders_above_the_threshold_wait_for_a_manager(url, db, rpc, unique):
    # The store's manager buys for the store (Guangzhou Store 001) as a purchase user, not a manager.
    store_user = rpc("res.users", "search_read", [("login", "=", "store1")], fields=["company_id"])[0]
    company = store_user["company_id"][0]
    before = rpc("res.company", "read", [company], ["po_double_validation", "po_double_validation_amount"])[0]
    buyer_group = ref(rpc, "purchase.group_purchase_user")
    buyer_uid = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/common").authenticate(db, "store1", "store1", {})
    models = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/object", allow_none=True)

    def buyer(model, method, *args, **kwargs):
        return models.execute_kw(db, buyer_uid, "store1", model, method, list(args), kwargs)

    vendor, product = vendor_product(rpc, unique, price=100)
    try:
        rpc("res.users", "write", [store_user["id"]], {"groups_id": [(4, buyer_group)]})
        rpc("res.company", "write", [company], {"po_double_validation": "two_step", "po_double_validation_amount": 1000})
        small = buyer("purchase.order", "create", {"partner_id": vendor, "order_line": [(0, 0, {"product_id": product, "product_qty": 5})]})
        large = buyer("purchase.order", "create", {"partner_id": vendor, "order_line": [(0, 0, {"product_id": product, "product_qty": 20})]})
        assert {o["company_id"][0] for o in buyer("purchase.order", "read", [small, large], ["company_id"])} == {company}
        buyer("purchase.order", "button_confirm", [small, large])
        states = {o["id"]: o["state"] for o in rpc("purchase.order", "read", [small, large], ["state"])}
        assert states == {small: "purchase", large: "to approve"}
        assert rpc("purchase.order", "read", [large], ["picking_ids"])[0]["picking_ids"] == []
        with pytest.raises(xmlrpc.client.Fault, match="Only a purchase manager"):
            buyer("purchase.order", "button_approve", [large])
        assert rpc("purchase.order", "button_approve", [large]) is True
        approved = rpc("purchase.order", "read", [large], ["state", "incoming_picking_count", "picking_ids"])[0]
        assert approved["state"] == "purchase" and approved["incoming_picking_count"] == 1
        # The store's own receipts: into the store's stock.
        receipt = approved["picking_ids"][0]
        store_stock = rpc("stock.warehouse", "search_read", [("company_id", "=", company)], fields=["lot_stock_id"])[0]["lot_stock_id"][0]
        assert rpc("stock.picking", "read", [receipt], ["location_dest_id"])[0]["location_dest_id"][0] == store_stock
        # Cancelling before anything arrived cancels the receipt too; then draft again.
        assert rpc("purchase.order", "button_cancel", [large]) is True
        assert rpc("stock.picking", "read", [receipt], ["state"])[0]["state"] == "cancel"
        with pytest.raises(xmlrpc.client.Fault, match="cannot become"):
            rpc("purchase.order", "button_done", [large])
        rpc("purchase.order", "button_draft", [large])
        assert rpc("purchase.order", "read", [large], ["state"])[0]["state"] == "draft"
        # The store sees its own orders, not the group's: neither listed nor readable.
        group_order = rpc("purchase.order", "create", {"partner_id": vendor, "company_id": 1,
                                                       "order_line": [(0, 0, {"product_id": product, "product_qty": 1})]})
        seen = buyer("purchase.order", "search", [("partner_id", "=", vendor)])
        assert set(seen) == {small, large}
        with pytest.raises(xmlrpc.client.Fault, match="security restrictions|does not exist"):
            buyer("purchase.order", "read", [group_order], ["name"])
        assert buyer("purchase.order.line", "search_count", [("order_id", "=", group_order)]) == 0
    finally:
        rpc("res.company", "write", [company], {"po_double_validation": before["po_double_validation"],
                                                "po_double_validation_amount": before["po_double_validation_amount"]})
        rpc("res.users", "write", [store_user["id"]], {"groups_id": [(3, buyer_group)]})


def test_bad_rules_are_refused_and_leave_nothing(rpc, places, unique):
    product = rpc("product.product", "create", {"name": unique, "type": "product", "detailed_type": "product"})
    warehouse = main_warehouse(rpc, places)
    good = {"product_id": product, "warehouse_id": warehouse, "location_id": places["stock"], "product_min_qty": 1, "product_max_qty": 5}
    with pytest.raises(xmlrpc.client.Fault):
        rpc("stock.warehouse.orderpoint", "create", dict(good, qty_multiple=-1))
    with pytest.raises(xmlrpc.client.Fault, match="replenish_method"):
        rpc("stock.warehouse.orderpoint", "create", dict(good, replenish_method="guess'; DROP TABLE purchase_order; --"))
    assert rpc("stock.warehouse.orderpoint", "search_count", [("product_id", "=", product)]) == 0
    rpc("stock.warehouse.orderpoint", "create", good)
    with pytest.raises(xmlrpc.client.Fault):
        rpc("stock.warehouse.orderpoint", "create", good)  # one rule per product and place
    assert rpc("stock.warehouse.orderpoint", "search_count", [("product_id", "=", product)]) == 1
    with pytest.raises(xmlrpc.client.Fault, match="Invalid field|does not exist|no_such_field"):
        rpc("purchase.order", "search", [("no_such_field", "=", 1)])
