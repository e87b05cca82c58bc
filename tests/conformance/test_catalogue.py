"""The catalogue and the organisation through unchanged Odoo clients, checked against python-stdnum."""
import random
import xmlrpc.client

import pytest
from stdnum import ean
from stdnum.cn import uscc


ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"






def gtin13(rng):
    body = "69" + "".join(rng.choice("0123456789") for _ in range(10))
    return body + ean.calc_check_digit(body)


def test_social_credit_codes_agree_with_stdnum(rpc, unique):
    rng = random.Random(17)
    for i in range(20):
        # stdnum wants the authority, kind and region (8 characters) as digits.
        body = "".join(rng.choice("0123456789") for _ in range(8)) + "".join(rng.choice(ALPHABET) for _ in range(9))
        good = body + uscc.calc_check_digit(body)
        assert uscc.is_valid(good)
        rpc("res.partner", "create", {"name": f"{unique} ok {i}", "company_registry": good, "supplier_rank": 1})
        bad = body + next(c for c in ALPHABET if c != good[-1])
        assert not uscc.is_valid(bad)
        with pytest.raises(xmlrpc.client.Fault, match="check character"):
            rpc("res.partner", "create", {"name": f"{unique} bad {i}", "company_registry": bad})
    assert rpc("res.partner", "search_count", [("name", "like", f"{unique} bad")]) == 0
    assert rpc("res.partner", "search_count", [("name", "like", f"{unique} ok")]) == 20


def test_barcodes_are_checked_like_stdnum_and_unique(rpc, unique):
    rng = random.Random(hash(unique) & 0xFFFF)
    code = gtin13(rng)
    template = rpc("product.template", "create", {"name": unique, "barcode": code, "default_code": unique, "list_price": 12.5})
    variants = rpc("product.product", "search_read", [("barcode", "=", code)], ["display_name", "product_tmpl_id", "lst_price"])
    assert variants == [{"id": variants[0]["id"], "display_name": f"[{unique}] {unique}", "product_tmpl_id": [template, unique],
                         "lst_price": 12.5}]
    wrong = code[:-1] + str((int(code[-1]) + 1) % 10)
    assert not ean.is_valid(wrong)
    with pytest.raises(xmlrpc.client.Fault, match="check digit"):
        rpc("product.template", "create", {"name": unique + " wrong", "barcode": wrong})
    with pytest.raises(xmlrpc.client.Fault, match="already exists"):
        rpc("product.product", "create", {"name": unique + " twice", "barcode": code})
    assert rpc("product.template", "search_count", [("name", "like", unique)]) == 1


def test_odoorpc_browses_every_advertised_variant_field(odoo, unique):
    Template = odoo.env["product.template"]
    template_id = Template.create({"name": unique, "list_price": 3.5, "taxes_id": [(6, 0, [1])]})
    variant = odoo.env["product.product"].browse(Template.browse(template_id).product_variant_ids.ids[0])
    assert variant.name == unique
    assert variant.lst_price == 3.5
    assert variant.categ_id.complete_name == "All"
    assert variant.uom_id.name == "Units"
    assert [tax.amount for tax in variant.taxes_id] == [13.0]
    variant.name = unique + " renamed"
    assert Template.browse(template_id).name == unique + " renamed"


def test_batch_pricing_over_rpc(rpc, unique):
    category = rpc("product.category", "create", {"name": unique})
    product = rpc("product.product", "create", {"name": unique, "list_price": 20, "categ_id": category, "taxes_id": [(6, 0, [1])]})
    company = rpc("res.company", "create", {"name": unique, "parent_id": 1, "company_kind": "store"})
    rpc("product.pricelist", "create", {"name": unique, "company_id": company, "item_ids": [
        (0, 0, {"applied_on": "2_product_category", "categ_id": category, "compute_price": "percentage", "percent_price": 25}),
        (0, 0, {"applied_on": "0_product_variant", "product_id": product, "compute_price": "fixed", "fixed_price": 13.9, "min_quantity": 10}),
    ]})
    lines = rpc("product.pricelist", "price_lines", [[product, 1], [product, 10]], company)
    assert [line["price_unit"] for line in lines] == [15.0, 13.9]
    assert lines[1]["price_total"] == 139.0
    assert lines[1]["price_subtotal"] == 123.01 and lines[1]["price_tax"] == 15.99
    with pytest.raises(xmlrpc.client.Fault, match="each line"):
        rpc("product.pricelist", "price_lines", [[product]], company)


def test_external_ids_resolve(odoo):
    assert odoo.env.ref("uom.product_uom_unit").name == "Units"
    assert odoo.env.ref("product.product_category_all").complete_name == "All"
    assert odoo.env.ref("base.main_company").id == 1
    assert odoo.env.ref("stock.stock_location_stock").complete_name == "WH/Stock"
    assert odoo.env.ref("stock.stock_location_customers").usage == "customer"
    assert odoo.env.ref("stock.stock_location_suppliers").usage == "supplier"
    assert odoo.env.ref("stock.warehouse0").lot_stock_id.id == odoo.env.ref("stock.stock_location_stock").id


def test_load_creates_then_updates_by_external_id_and_reports_bad_rows(rpc, unique):
    fields = ["id", "name", "list_price", "categ_id/id"]
    rows = [[f"{unique}_a", f"{unique} A", "1.5", "product.product_category_all"], [f"{unique}_b", f"{unique} B", "2", ""]]
    first = rpc("product.template", "load", fields, rows)
    assert first["messages"] == [] and len(first["ids"]) == 2
    again = rpc("product.template", "load", ["id", "list_price"], [[f"{unique}_a", "9.9"]])
    assert again["ids"] == first["ids"][:1]
    assert rpc("product.template", "read", first["ids"][:1], ["list_price"])[0]["list_price"] == 9.9
    bad = rpc("product.template", "load", ["id", "name", "list_price"], [[f"{unique}_c", "C", "x"], [f"{unique}_d", "D", "1"]])
    assert bad["ids"] is False
    assert [m["record"] for m in bad["messages"]] == [0]
    assert rpc("product.template", "search_count", [("name", "in", ["C", "D"])]) == 0
    with pytest.raises(xmlrpc.client.Fault, match="Unknown column"):
        rpc("product.template", "load", ["name", "no_such_field"], [["x", "y"]])
