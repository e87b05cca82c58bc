"""Tills for the POS benchmark: one till per store (as many stores as there are, then a second
till per store), each with its own session, cash method and five products of its own, priced by
the server for that store (the tills of scripts/fault-pos). Writes one line per till:
    session cash company product:price product:price …
Usage: setup.py URL DB LOGIN PASSWORD TILLS OUT
"""
import sys
import uuid

from odoo_api import base36, caller

url, db, login, password, tills, out = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), sys.argv[6]
rpc = caller(url, db, login, password)
run = uuid.uuid4().hex[:6]
companies = rpc("res.company", "search_read", [], fields=["parent_id"], order="id")
parents = {c["parent_id"][0] for c in companies if c["parent_id"]}
stores = [c["id"] for c in companies if c["parent_id"] and c["id"] not in parents][:tills]
if not stores:
    sys.exit("no store companies in this database")
templates = rpc("product.template", "create", [
    {"name": "Bench %s %d" % (run, i), "list_price": 10 + (i % 7), "type": "product"} for i in range(tills * 5)])
variants = {t: p for p, t in ((r["id"], r["product_tmpl_id"][0]) for r in rpc(
    "product.product", "search_read", [["product_tmpl_id", "in", templates]], fields=["product_tmpl_id"]))}
products = [variants[t] for t in templates]
lines = []
for n in range(tills):
    store = stores[n % len(stores)]
    if not rpc("stock.warehouse", "search", [["company_id", "=", store]], company=store):
        rpc("stock.warehouse", "create", [{"name": "Bench %d" % store, "code": "B" + base36(store), "company_id": store}], company=store)
    cash = rpc("pos.payment.method", "create", [{"name": "Cash %s %d" % (run, n), "type": "cash", "company_id": store}], company=store)
    till = rpc("pos.config", "create", [{"name": "Bench %s %d" % (run, n), "company_id": store, "payment_method_ids": [(6, 0, cash)]}],
               company=store)
    session = rpc("pos.session", "create", [{"config_id": till[0]}], company=store)[0]
    rpc("pos.session", "set_cashbox_pos", [session], 0, company=store)
    own = products[n * 5:n * 5 + 5]
    priced = rpc("product.pricelist", "price_lines", [[p, 1] for p in own], store, company=store)
    lines.append("%d %d %d %s" % (session, cash[0], store, " ".join("%d:%.2f" % (p["product_id"], p["price_subtotal_incl"]) for p in priced)))
with open(out, "w") as f:
    f.write("\n".join(lines) + "\n")
print("%d tills in %d stores" % (tills, min(tills, len(stores))))
