"""Sales orders the way an Odoo 17 script drives them over XML-RPC: a quotation with a line that
takes the product's price and taxes, confirmed into a delivery, shipped, cancelled when not shipped."""
import xmlrpc.client

import pytest

from test_stock import places, ref  # noqa: F401  (fixture and helper shared with the stock tests)


def test_a_quotation_is_confirmed_delivered_and_followed(rpc, places, unique):
    customer = rpc("res.partner", "create", {"name": unique + " 客户", "is_company": True})
    product = rpc("product.product", "create", {"name": unique, "type": "product", "detailed_type": "product", "list_price": 11.3,
                                                "taxes_id": [(6, 0, [1])]})
    # Stock to ship: 10 received first.
    receipt = rpc("stock.picking", "create", {"picking_type_id": places["in"],
                                              "move_ids": [(0, 0, {"product_id": product, "product_uom_qty": 10, "quantity": 10})]})
    rpc("stock.picking", "button_validate", [receipt])
    order = rpc("sale.order", "create", {"partner_id": customer, "order_line": [(0, 0, {"product_id": product, "product_uom_qty": 4})]})
    quotation = rpc("sale.order", "read", [order], ["name", "state", "amount_total", "amount_tax", "warehouse_id", "order_line"])[0]
    assert quotation["state"] == "draft" and quotation["name"].startswith("S") and quotation["warehouse_id"]
    # 11.30 a bottle with VAT 13 % included: four are 45.20, 5.20 of it tax.
    assert (quotation["amount_total"], quotation["amount_tax"]) == (45.2, 5.2)
    assert rpc("sale.order", "action_confirm", [order]) is True
    confirmed = rpc("sale.order", "read", [order], ["state", "picking_ids", "delivery_count", "delivery_status"])[0]
    assert confirmed["state"] == "sale" and confirmed["delivery_count"] == 1 and confirmed["delivery_status"] == "pending"
    delivery = rpc("stock.picking", "read", confirmed["picking_ids"], ["state", "origin", "partner_id", "move_ids", "sale_id"])[0]
    assert delivery["origin"] == quotation["name"] and delivery["partner_id"][0] == customer and delivery["sale_id"][0] == order
    assert delivery["state"] == "assigned"
    with pytest.raises(xmlrpc.client.Fault, match="can no longer change"):
        rpc("sale.order.line", "write", quotation["order_line"], {"product_uom_qty": 40})
    rpc("stock.move", "write", delivery["move_ids"], {"quantity": 4})
    assert rpc("stock.picking", "button_validate", [delivery["id"]]) is True
    assert rpc("sale.order.line", "read", quotation["order_line"], ["qty_delivered"])[0]["qty_delivered"] == 4
    assert rpc("sale.order", "read", [order], ["delivery_status"])[0]["delivery_status"] == "full"
    with pytest.raises(xmlrpc.client.Fault, match="deliveries already done"):
        rpc("sale.order", "action_cancel", [order])


def test_cancelling_an_unshipped_order_cancels_its_delivery(rpc, places, unique):
    customer = rpc("res.partner", "create", {"name": unique})
    product = rpc("product.product", "create", {"name": unique, "type": "product", "detailed_type": "product", "list_price": 5})
    order = rpc("sale.order", "create", {"partner_id": customer, "order_line": [(0, 0, {"product_id": product, "product_uom_qty": 2})]})
    rpc("sale.order", "action_confirm", [order])
    with pytest.raises(xmlrpc.client.Fault, match="cannot be confirmed"):
        rpc("sale.order", "action_confirm", [order])
    assert rpc("sale.order", "action_cancel", [order]) is True
    picking = rpc("sale.order", "read", [order], ["picking_ids"])[0]["picking_ids"]
    assert rpc("stock.picking", "read", picking, ["state"])[0]["state"] == "cancel"
    assert rpc("sale.order", "action_draft", [order]) is True
    assert rpc("sale.order", "read", [order], ["state"])[0]["state"] == "draft"
