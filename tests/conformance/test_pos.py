"""Tills and sessions through Odoo's external API, with Odoo 17's model and field names."""
import xmlrpc.client

import pytest

from conftest import ADMIN_PASSWORD


@pytest.fixture
def rpc(url, db):
    models = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/object")
    return lambda model, method, *args, uid=2, password=ADMIN_PASSWORD: models.execute_kw(db, uid, password, model, method, *args)


@pytest.fixture
def cashier(url, db):
    return xmlrpc.client.ServerProxy(url + "/xmlrpc/2/common").authenticate(db, "store1", "store1", {})


def store_till(rpc, unique, store_name="Guangzhou Store 001"):
    """The store, a cash method and a till selling from the store's warehouse (made if missing)."""
    store = rpc("res.company", "search", [[["name", "=", store_name]]])[0]
    if not rpc("stock.warehouse", "search", [[["company_id", "=", store]]]):
        rpc("stock.warehouse", "create", [{"name": store_name, "code": "S%d" % store, "company_id": store}])
    cash = rpc("pos.payment.method", "create", [{"name": "现金 " + unique, "type": "cash", "company_id": store}])
    till = rpc("pos.config", "create", [{"name": unique, "company_id": store, "payment_method_ids": [(6, 0, [cash])]}])
    return store, cash, till


def test_odoo_17_fields_of_the_pos_models(rpc):
    expected = {
        "pos.config": {"name": "char", "company_id": "many2one", "payment_method_ids": "many2many", "pricelist_id": "many2one",
                       "receipt_header": "text", "iface_tax_included": "selection", "current_session_id": "many2one",
                       "has_active_session": "boolean", "self_ordering_mode": "selection"},
        "pos.session": {"name": "char", "config_id": "many2one", "state": "selection", "start_at": "datetime",
                        "cash_register_balance_start": "monetary", "order_ids": "one2many", "login_number": "integer"},
        "pos.order": {"pos_reference": "char", "session_id": "many2one", "amount_total": "monetary", "lines": "one2many",
                      "payment_ids": "one2many", "state": "selection", "date_order": "datetime"},
        "pos.order.line": {"order_id": "many2one", "product_id": "many2one", "qty": "float", "refunded_orderline_id": "many2one"},
        "pos.payment": {"pos_order_id": "many2one", "payment_method_id": "many2one", "is_change": "boolean"},
        "pos.payment.method": {"name": "char", "type": "selection", "is_cash_count": "boolean"},
    }
    for model, fields in expected.items():
        got = rpc(model, "fields_get", [], {"attributes": ["type"]})
        assert {name: got[name]["type"] for name in fields} == fields, model
    states = dict(rpc("pos.session", "fields_get", [["state"]], {"attributes": ["selection"]})["state"]["selection"])
    assert list(states) == ["opening_control", "opened", "closing_control", "closed"]


def test_a_cashier_opens_counts_and_closes_its_tills_session(rpc, cashier, unique):
    store, cash, till = store_till(rpc, unique)
    session = rpc("pos.session", "create", [{"config_id": till}], uid=cashier, password="store1")
    assert rpc("pos.session", "read", [[session], ["state", "config_id"]], uid=cashier, password="store1")[0]["state"] == "opening_control"
    with pytest.raises(xmlrpc.client.Fault):
        rpc("pos.session", "create", [{"config_id": till}], uid=cashier, password="store1")
    rpc("pos.session", "set_cashbox_pos", [[session], 200.0, "opening float"], uid=cashier, password="store1")
    rpc("pos.session", "action_pos_session_closing_control", [[session]], uid=cashier, password="store1")
    rpc("pos.session", "action_pos_session_close", [[session]], uid=cashier, password="store1")
    row = rpc("pos.session", "read", [[session], ["state", "cash_register_balance_start"]])[0]
    assert row["state"] == "closed" and row["cash_register_balance_start"] == 200.0
    assert rpc("pos.config", "read", [[till], ["has_active_session"]])[0]["has_active_session"] is False
    # Another store's till is out of the cashier's reach.
    other = rpc("res.company", "search", [[["id", "!=", store], ["parent_id", "!=", False]]])
    for company in other:
        foreign = rpc("pos.config", "create", [{"name": unique + " elsewhere", "company_id": company}])
        if not rpc("pos.config", "search", [[["id", "=", foreign]]], uid=cashier, password="store1"):
            with pytest.raises(xmlrpc.client.Fault, match="AccessError|not allowed|ValidationError"):
                rpc("pos.session", "create", [{"config_id": foreign}], uid=cashier, password="store1")
            break


def test_create_from_ui_takes_each_order_once(rpc, cashier, unique):
    store, cash, till = store_till(rpc, unique)
    template = rpc("product.template", "create", [{"name": "矿泉水 " + unique, "list_price": 11.3}])
    product = rpc("product.product", "search", [[["product_tmpl_id", "=", template]]])[0]
    session = rpc("pos.session", "create", [{"config_id": till}], uid=cashier, password="store1")
    rpc("pos.session", "set_cashbox_pos", [[session], 0], uid=cashier, password="store1")
    key = "uuid-" + unique

    def envelope(qty):
        return {"id": "00001-001-0001", "to_invoice": False, "data": {
            "name": "订单 00001-001-0001", "uid": "00001-001-0001", "sequence_number": 1, "pos_session_id": session,
            "user_id": cashier, "partner_id": False, "date_order": "2026-12-04 02:15:09",
            "amount_total": 11.3 * qty, "amount_tax": 0, "amount_paid": 11.3 * qty, "amount_return": 0,
            "lines": [[0, 0, {"uuid": key + "-l1", "product_id": product, "qty": qty, "price_unit": 11.3, "discount": 0,
                              "price_subtotal": 11.3 * qty, "price_subtotal_incl": 11.3 * qty}]],
            "statement_ids": [[0, 0, {"name": "2026-12-04 02:15:05", "payment_method_id": cash, "amount": 11.3 * qty}]],
            "access_token": key}}

    first = rpc("pos.order", "create_from_ui", [[envelope(2)], False], uid=cashier, password="store1")
    assert first[0]["status"] == "created" and first[0]["pos_reference"] == "订单 00001-001-0001"
    again = rpc("pos.order", "create_from_ui", [[envelope(2)], False], uid=cashier, password="store1")
    assert again[0]["status"] == "duplicate" and again[0]["id"] == first[0]["id"]
    changed = rpc("pos.order", "create_from_ui", [[envelope(3)], False], uid=cashier, password="store1")
    assert changed[0]["status"] == "rejected" and "review" in changed[0]["error"]
    orders = rpc("pos.order", "search_read", [[["access_token", "=", key]]], {"fields": ["state", "amount_total", "lines", "session_id"]})
    assert len(orders) == 1 and orders[0]["state"] == "paid" and abs(orders[0]["amount_total"] - 22.6) < 0.001
    assert rpc("pos.order.conflict", "search_count", [[["access_token", "=", key]]]) == 1


def test_a_shift_sells_out_of_stock_and_closes_with_its_z_report(rpc, cashier, unique):
    store, cash, till = store_till(rpc, unique)
    template = rpc("product.template", "create", [{"name": "绿茶 " + unique, "list_price": 5.0, "type": "product"}])
    product = rpc("product.product", "search", [[["product_tmpl_id", "=", template]]])[0]
    session = rpc("pos.session", "create", [{"config_id": till}], uid=cashier, password="store1")
    rpc("pos.session", "set_cashbox_pos", [[session], 100], uid=cashier, password="store1")
    as_cashier = dict(uid=cashier, password="store1")

    def sale(key, qty, price=5.0, refunded=None):
        line = {"uuid": key + "-1", "product_id": product, "qty": qty, "price_unit": price, "discount": 0, "price_subtotal_incl": price * qty}
        if refunded:
            line["refunded_orderline_id"] = refunded
        return {"data": {"uid": key, "pos_session_id": session, "amount_total": price * qty, "amount_paid": price * qty, "amount_return": 0,
                         "lines": [[0, 0, line]], "statement_ids": [[0, 0, {"payment_method_id": cash, "amount": price * qty}]],
                         "access_token": key + unique}}

    done = rpc("pos.order", "create_from_ui", [[sale("a", 3), sale("b", 1), sale("c", 1, price=4.0)], False], **as_cashier)
    assert [o["status"] for o in done] == ["created", "created", "rejected"]
    assert "5" in done[2]["error"]
    names = [o["name"] for o in done[:2]]
    assert names[0].endswith("-0001") and names[1].endswith("-0002")
    # The goods left the store's stock: four bottles, from an empty shelf.
    quants = rpc("stock.quant", "search_read", [[["product_id", "=", product]]], {"fields": ["quantity", "location_id"]})
    assert [q["quantity"] for q in quants] == [-4.0]
    # A refund of two of the three, then one more than is left: refused.
    sold = rpc("pos.order.line", "search", [[["order_id", "=", done[0]["id"]]]])[0]
    assert rpc("pos.order", "create_from_ui", [[sale("r1", -2, refunded=sold)], False], **as_cashier)[0]["status"] == "created"
    assert rpc("pos.order", "create_from_ui", [[sale("r2", -2, refunded=sold)], False], **as_cashier)[0]["status"] == "rejected"
    assert rpc("pos.order.line", "read", [[sold], ["refunded_qty"]])[0]["refunded_qty"] == 2.0
    # A till still holding an order keeps the session open.
    rpc("pos.session", "report_unsynced", [[session], "till-" + unique, 1], **as_cashier)
    with pytest.raises(xmlrpc.client.Fault, match="not synced"):
        rpc("pos.session", "update_closing_control_state_session", [[session], ""], **as_cashier)
    rpc("pos.session", "report_unsynced", [[session], "till-" + unique, 0], **as_cashier)
    rpc("pos.session", "try_cash_in_out", [[session], "out", 50, "银行缴款"], **as_cashier)
    # Expected cash: 100 float + 15 + 5 − 10 refunded − 50 deposited = 60.
    data = rpc("pos.session", "get_closing_control_data", [[session]], **as_cashier)
    assert data["default_cash_details"]["amount"] == 60.0 and data["orders_details"]["quantity"] == 3
    assert rpc("pos.session", "post_closing_cash_details", [[session], 60], **as_cashier)["successful"] is True
    rpc("pos.session", "update_closing_control_state_session", [[session], "日结"], **as_cashier)
    assert rpc("pos.session", "close_session_from_ui", [[session], []], **as_cashier)["successful"] is True
    z = rpc("pos.session", "get_sale_details", [[session]], **as_cashier)
    assert z["report"] == "Z" and z["nbr_orders"] == 3 and z["currency"]["total_paid"] == 10.0
    assert z["refund_info"]["qty"] == -2.0 and z["payments"][0]["money_difference"] == 0.0
    assert rpc("pos.order", "search_count", [[["session_id", "=", session], ["state", "=", "done"]]]) == 3


def test_the_till_api_refuses_bad_input_and_takes_each_order_once(rpc, url, db, unique):
    """`POST /api/v1/pos/open` and `/api/v1/pos/orders` with urllib as the cashier."""
    import base64
    import json
    import urllib.error
    import urllib.request

    store, cash, till = store_till(rpc, unique)
    template = rpc("product.template", "create", [{"name": "面包 " + unique, "list_price": 6.0, "type": "product"}])
    product = rpc("product.product", "search", [[["product_tmpl_id", "=", template]]])[0]

    def post(path, body, auth="store1:store1"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        request = urllib.request.Request(f"{url}{path}?db={db}", data=data, method="POST",
                                         headers={"Content-Type": "application/json"})
        if auth:
            request.add_header("Authorization", "Basic " + base64.b64encode(auth.encode()).decode())
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    assert post("/api/v1/pos/open", {"config_id": till}, auth=None)[0] == 401
    status, opened = post("/api/v1/pos/open", {"config_id": till, "opening_cash": 50})
    assert status == 200 and opened["session"]["state"] == "opened" and opened["session"]["login_number"] == 1
    session = opened["session"]["id"]
    assert post("/api/v1/pos/open", {"config_id": till})[1]["session"]["login_number"] == 2
    assert post("/api/v1/pos/open", {"config_id": till, "opening_cash": -1})[0] == 400

    def order(key, qty=1, price=6.0):
        return {"data": {"uid": key, "pos_session_id": session, "order_uuid": key + unique, "amount_total": price * qty,
                         "amount_paid": price * qty, "amount_return": 0,
                         "lines": [[0, 0, {"product_id": product, "qty": qty, "price_unit": price, "price_subtotal_incl": price * qty}]],
                         "statement_ids": [[0, 0, {"payment_method_id": cash, "amount": price * qty}]]}}

    for bad in (b"not json", {"orders": "x"}, {"orders": [order("o%d" % n) for n in range(101)]},
                {"device_id": "", "orders": []}, {"device_id": "d", "pending": -1, "orders": []}):
        assert post("/api/v1/pos/orders", bad)[0] == 400, bad
    assert rpc("pos.order", "search_count", [[["session_id", "=", session]]]) == 0
    body = {"device_id": "till-" + unique, "pending": 2, "orders": [order("a", 2), order("b", price=1.0), {"data": {}}]}
    status, answer = post("/api/v1/pos/orders", body)
    assert status == 200 and [r["status"] for r in answer["results"]] == ["created", "rejected", "rejected"]
    # The device said it still holds two: the session does not close.
    assert rpc("pos.session", "read", [[session], ["unsynced_orders"]])[0]["unsynced_orders"] == 2
    with pytest.raises(xmlrpc.client.Fault, match="not synced"):
        rpc("pos.session", "action_pos_session_closing_control", [[session]])
    # The same batch again: the sale is a duplicate, nothing new is stored.
    again = post("/api/v1/pos/orders", dict(body, pending=0))[1]["results"]
    assert [r["status"] for r in again] == ["duplicate", "rejected", "rejected"]
    assert rpc("pos.order", "search_count", [[["session_id", "=", session]]]) == 1
    assert rpc("pos.session", "read", [[session], ["unsynced_orders"]])[0]["unsynced_orders"] == 0
    # The remote display's feed: an object for a till the caller may read, nothing else.
    assert post("/api/v1/pos/display", {"config_id": till, "message": {"state": "cart", "total": "1.00"}}) == (200, {"ok": True})
    for bad in (b"[]", {"config_id": till}, {"config_id": till, "message": "x"}, {"message": {}},
                {"config_id": till, "message": {"x": "y" * 40000}}):
        assert post("/api/v1/pos/display", bad)[0] in (400, 413), bad
    assert post("/api/v1/pos/display", {"config_id": 999999999, "message": {}})[0] == 404
    assert post("/api/v1/pos/display", {"config_id": till, "message": {}}, auth=None)[0] == 401


def test_a_receipt_prints_on_58_and_80_mm_and_as_html(rpc, url, db, unique):
    """The receipt as ESC/POS bytes read back independently (commands stripped, GB 18030 decoded,
    every printed line within the paper's columns by Unicode's East Asian widths), and as HTML."""
    import base64
    import html.parser
    import re
    import unicodedata
    import urllib.request

    store, cash, till = store_till(rpc, unique)
    template = rpc("product.template", "create", [{"name": "<b>特浓牛奶</b> 1L " + unique, "list_price": 12.5, "type": "product"}])
    product = rpc("product.product", "search", [[["product_tmpl_id", "=", template]]])[0]
    session = rpc("pos.session", "create", [{"config_id": till}])
    rpc("pos.session", "set_cashbox_pos", [[session], 0])
    rpc("pos.config", "write", [[till], {"receipt_header": "欢迎光临 " + unique, "receipt_footer": "谢谢惠顾"}])
    order = {"data": {"uid": "r-" + unique, "pos_session_id": session, "order_uuid": "r-" + unique, "amount_total": 25.0,
                      "amount_paid": 25.0, "amount_return": 5.0,
                      "lines": [[0, 0, {"product_id": product, "qty": 2, "price_unit": 12.5, "price_subtotal_incl": 25.0}]],
                      "statement_ids": [[0, 0, {"payment_method_id": cash, "amount": 30.0}]]}}
    created = rpc("pos.order", "create_from_ui", [[order], False])[0]
    assert created["status"] == "created", created

    def get(query):
        request = urllib.request.Request(f"{url}/api/v1/pos/orders/{created['id']}/receipt?db={db}&{query}")
        request.add_header("Authorization", "Basic " + base64.b64encode(b"store1:store1").decode())
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.headers["Content-Type"], response.read()

    for width, columns in ((58, 32), (80, 48)):
        kind, data = get("format=escpos&width=%d" % width)
        assert kind == "application/octet-stream"
        assert data.startswith(b"\x1b@") and data.endswith(b"\x1dVB\x00")
        text = re.sub(rb"\x1b[@]|\x1b[aEd].|\x1d!.|\x1dVB\x00", b"", data).decode("gb18030")
        assert "合计" in text and "25.00" in text and "找零" in text and "5.00" in text and "谢谢惠顾" in text
        assert created["name"] in text and "<b>特浓牛奶</b>" in text.replace("\n", "")
        for line in text.split("\n"):
            width_of = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)
            assert width_of <= columns, (width, line)
    kind, page = get("format=html&lang=en")
    assert kind.startswith("text/html")

    class Texts(html.parser.HTMLParser):
        def __init__(self):
            super().__init__()
            self.texts, self.tags = [], []

        def handle_starttag(self, tag, attrs):
            self.tags.append(tag)

        def handle_data(self, data):
            self.texts.append(data.strip())

    parsed = Texts()
    parsed.feed(page.decode())
    assert "Total" in parsed.texts and "25.00" in parsed.texts and "Change" in parsed.texts
    assert any("<b>特浓牛奶</b>" in t for t in parsed.texts) and "b" not in parsed.tags   # the name is text, never markup


def test_sales_roll_up_by_city_and_business_day(rpc, cashier, unique):
    """read_group over pos.order by city and China business day: a sale at 17:30 UTC is the next
    day in China."""
    store, cash, till = store_till(rpc, unique)
    template = rpc("product.template", "create", [{"name": "酸奶 " + unique, "list_price": 4.0, "type": "product"}])
    product = rpc("product.product", "search", [[["product_tmpl_id", "=", template]]])[0]
    session = rpc("pos.session", "create", [{"config_id": till}])
    rpc("pos.session", "set_cashbox_pos", [[session], 0])

    def order(key, when, qty):
        return {"data": {"uid": key, "pos_session_id": session, "order_uuid": key + unique, "date_order": when,
                         "amount_total": 4.0 * qty, "amount_paid": 4.0 * qty, "amount_return": 0,
                         "lines": [[0, 0, {"product_id": product, "qty": qty, "price_unit": 4.0, "price_subtotal_incl": 4.0 * qty}]],
                         "statement_ids": [[0, 0, {"payment_method_id": cash, "amount": 4.0 * qty}]]}}

    done = rpc("pos.order", "create_from_ui", [[order("a", "2026-12-03 15:30:00", 1), order("b", "2026-12-03 17:30:00", 2),
                                                order("c", "2026-12-04 01:00:00", 3)], False])
    assert [o["status"] for o in done] == ["created"] * 3
    city = rpc("res.company", "read", [[store], ["parent_id"]])[0]["parent_id"][0]
    groups = rpc("pos.order", "read_group", [[["session_id", "=", session]], ["amount_total:sum"], ["city_id", "business_day:day"]],
                 {"lazy": False})
    by_day = {g["business_day:day"]: (g["amount_total"], g["__count"], g["city_id"][0]) for g in groups}
    assert sorted(by_day.values()) == [(4.0, 1, city), (20.0, 2, city)]
    assert len(by_day) == 2


def test_the_sales_report_by_day_and_city_or_store_follows_company_rules(rpc, url, db, unique):
    """GET /api/v1/pos/reports/sales: one row per China business day and city (or store), sales and
    refunds apart, as JSON or as a CSV with Chinese headers; a city manager sees its city only;
    bad periods are refused."""
    import base64
    import csv
    import io
    import json
    import urllib.error
    import urllib.request

    store, cash, till = store_till(rpc, unique)
    template = rpc("product.template", "create", [{"name": "面包 " + unique, "list_price": 6.0, "type": "product"}])
    product = rpc("product.product", "search", [[["product_tmpl_id", "=", template]]])[0]
    session = rpc("pos.session", "create", [{"config_id": till}])
    rpc("pos.session", "set_cashbox_pos", [[session], 0])

    def order(key, when, qty, refunded=None):
        line = {"product_id": product, "qty": qty, "price_unit": 6.0, "price_subtotal_incl": 6.0 * qty}
        if refunded:
            line["refunded_orderline_id"] = refunded
        return {"data": {"uid": key, "pos_session_id": session, "order_uuid": key + unique, "date_order": when,
                         "amount_total": 6.0 * qty, "amount_paid": 6.0 * qty, "amount_return": 0, "lines": [[0, 0, line]],
                         "statement_ids": [[0, 0, {"payment_method_id": cash, "amount": 6.0 * qty}]]}}

    # 2024-02-29 in China: 16:30 UTC on the 28th is already the 29th there.
    done = rpc("pos.order", "create_from_ui", [[order("a", "2024-02-28 16:30:00", 2), order("b", "2024-02-29 03:00:00", 1)], False])
    assert [o["status"] for o in done] == ["created"] * 2
    sold = rpc("pos.order.line", "search", [[["order_id", "=", done[0]["id"]]]])[0]
    assert rpc("pos.order", "create_from_ui", [[order("r", "2024-02-29 05:00:00", -1, refunded=sold)], False])[0]["status"] == "created"
    store_name = rpc("res.company", "read", [[store], ["name", "parent_id"]])[0]
    city_name = store_name["parent_id"][1]

    def get(query, auth="admin:" + ADMIN_PASSWORD):
        request = urllib.request.Request(f"{url}/api/v1/pos/reports/sales?db={db}&{query}")
        request.add_header("Authorization", "Basic " + base64.b64encode(auth.encode()).decode())
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    status, _, body = get("from=2024-02-29&to=2024-02-29&by=store")
    assert status == 200
    report = json.loads(body)
    rows = [r for r in report["rows"] if r["store"] == store_name["name"]]
    assert rows == [{"business_day": "2024-02-29", "store": store_name["name"], "orders": 2, "sales": 18.0, "tax": rows[0]["tax"],
                     "refund_orders": 1, "refunds": -6.0}]
    status, _, body = get("from=2024-02-28&to=2024-03-01&by=city")
    cities = {(r["business_day"], r["city"]) for r in json.loads(body)["rows"]}
    assert ("2024-02-29", city_name) in cities and not any(day == "2024-02-28" for day, _ in cities)
    # The CSV: a BOM for spreadsheet programs, Chinese headers, the totals last.
    status, headers, body = get("from=2024-02-29&to=2024-02-29&by=store&format=csv&lang=zh_CN")
    assert status == 200 and headers["Content-Type"].startswith("text/csv") and body.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert table[0] == ["营业日", "门店", "订单数", "销售额", "税额", "退货单数", "退款额"]
    assert [store_name["name"], "2", "18.00"] == [table[1][1], table[1][2], table[1][3]] or any(
        row[1] == store_name["name"] and row[2] == "2" and row[3] == "18.00" for row in table[1:])
    assert table[-1][0] == "" and table[-1][1] == ""
    # A sale the same day at the head office: the administrator sees both, the store's cashier
    # and the Guangzhou city manager only theirs.
    head = rpc("res.company", "read", [[1], ["name"]])[0]["name"]
    _, head_cash, head_till = store_till(rpc, unique + "h", store_name=head)
    head_session = rpc("pos.session", "create", [{"config_id": head_till}])
    rpc("pos.session", "set_cashbox_pos", [[head_session], 0])
    sale = order("h", "2024-02-29 04:00:00", 1)
    sale["data"].update({"pos_session_id": head_session, "order_uuid": "h" + unique + "h",
                         "statement_ids": [[0, 0, {"payment_method_id": head_cash, "amount": 6.0}]]})
    assert rpc("pos.order", "create_from_ui", [[sale], False])[0]["status"] == "created"

    def stores(auth):
        status, _, body = get("from=2024-02-29&to=2024-02-29&by=store", auth=auth)
        assert status == 200, body
        return {r["store"] for r in json.loads(body)["rows"]}

    assert {head, store_name["name"]} <= stores("admin:" + ADMIN_PASSWORD)
    assert stores("store1:store1") == {store_name["name"]}
    assert head not in stores("gz.manager:gz.manager") and store_name["name"] in stores("gz.manager:gz.manager")
    # Bad periods and options.
    for query in ("from=2024-02-30&to=2024-03-01", "from=2024-03-01&to=2024-02-01", "from=2024-01-01&to=2024-06-01",
                  "from=2024-02-29&to=2024-02-29&by=country", "from=2024-02-29&to=2024-02-29&format=xml", "to=2024-02-29"):
        status, _, body = get(query)
        assert status == 400, query
    assert get("from=2024-02-29&to=2024-02-29", auth="admin:wrong")[0] == 401


def test_an_attendant_approves_an_age_checked_item_on_the_kiosk_itself(rpc, url, db, unique):
    """`POST /api/v1/pos/attendant`: a member of the store's staff signs in on the kiosk for one
    item; the order that sells it spends the approval, which serves no other session, item or sale."""
    import base64
    import json
    import urllib.error
    import urllib.request

    store, cash, till = store_till(rpc, unique)
    wechat = rpc("pos.payment.method", "create", [{"name": "微信支付 " + unique, "type": "bank", "payment_channel": "wechat",
                                                   "company_id": store}])
    rpc("pos.config", "write", [[till], {"payment_method_ids": [(6, 0, [wechat])], "self_ordering_mode": "kiosk"}])
    adults = rpc("product.category", "create", [{"name": "酒类 " + unique, "pos_age_check": True}])
    products = {}
    for name, categ in (("beer", adults), ("bread", 1)):
        template = rpc("product.template", "create", [{"name": "%s %s" % (name, unique), "list_price": 4.0, "type": "product",
                                                       "categ_id": categ}])
        products[name] = rpc("product.product", "search", [[["product_tmpl_id", "=", template]]])[0]

    def post(path, body, auth="store1:store1"):
        request = urllib.request.Request(f"{url}{path}?db={db}", data=json.dumps(body).encode(), method="POST",
                                         headers={"Content-Type": "application/json",
                                                  "Authorization": "Basic " + base64.b64encode(auth.encode()).decode()})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    session = post("/api/v1/pos/open", {"config_id": till})[1]["session"]["id"]
    ask = {"session_id": session, "product_id": products["beer"], "reason": "age", "login": "gz.manager", "password": "gz.manager"}
    # Bad input, a wrong password, and the kiosk's own account are refused; nothing is kept.
    for bad in ({}, dict(ask, reason="mood"), dict(ask, login=""), dict(ask, password=None), dict(ask, session_id="x")):
        assert post("/api/v1/pos/attendant", bad)[0] == 400, bad
    assert post("/api/v1/pos/attendant", dict(ask, password="wrong"))[0] in (401, 403)
    status, answer = post("/api/v1/pos/attendant", dict(ask, login="store1", password="store1"))
    assert status == 400 and "own account" in answer["message"], answer
    assert post("/api/v1/pos/attendant", dict(ask, session_id=999999999))[0] == 404
    assert rpc("pos.attendant.approval", "search_count", [[["session_id", "=", session]]]) == 0
    # A staffed till's session takes no approval.
    staffed = rpc("pos.config", "create", [{"name": "staffed " + unique, "company_id": store, "payment_method_ids": [(6, 0, [cash])]}])
    staffed_session = post("/api/v1/pos/open", {"config_id": staffed})[1]["session"]["id"]
    assert post("/api/v1/pos/attendant", dict(ask, session_id=staffed_session))[0] == 400

    status, approved = post("/api/v1/pos/attendant", ask)
    assert status == 200 and approved["attendant"]["name"] == "Guangzhou Manager", approved
    token = approved["approval"]
    kept = rpc("pos.attendant.approval", "search_read", [[["session_id", "=", session]]],
               {"fields": ["product_id", "attendant_id", "reason", "order_key", "company_id"]})
    assert [(k["product_id"][0], k["attendant_id"][1], k["reason"], k["order_key"], k["company_id"][0]) for k in kept] == \
        [(products["beer"], "Guangzhou Manager", "age", False, store)]
    # The token is the kiosk's to present, not a field anybody reads.
    assert "token" not in rpc("pos.attendant.approval", "fields_get", [], {"attributes": ["type"]})

    def order(key, product, approval=None, session=session):
        line = {"product_id": product, "qty": 1, "price_unit": 4.0, "price_subtotal_incl": 4.0}
        if approval:
            line["attendant_approval"] = approval
        return {"data": {"uid": key, "pos_session_id": session, "order_uuid": key + unique, "amount_total": 4.0, "amount_paid": 4.0,
                         "amount_return": 0, "lines": [[0, 0, line]],
                         "statement_ids": [[0, 0, {"payment_method_id": wechat, "amount": 4.0}]]}}

    def results(*orders):
        status, answer = post("/api/v1/pos/orders", {"device_id": "kiosk-" + unique, "pending": 0, "orders": list(orders)})
        assert status == 200
        return [r.get("error", r["status"]) for r in answer["results"]]

    # Without an approval, or with one for another item, the age check stops the order; with the
    # right one it passes (and the payment, which names no paid attempt, is what is refused next:
    # the order is rolled back, so the approval is not spent).
    assert "age check" in results(order("n", products["beer"]))[0]
    assert "not one of this kiosk's session" in results(order("w", products["bread"], token), order("x", products["beer"], "nope"))[1]
    assert "payment attempt" in results(order("p", products["beer"], token))[0]
    assert rpc("pos.attendant.approval", "search_read", [[["session_id", "=", session]]], {"fields": ["order_key"]})[0]["order_key"] is False
    # Another kiosk's session cannot use it.
    other = rpc("pos.config", "create", [{"name": "kiosk 2 " + unique, "company_id": store, "self_ordering_mode": "kiosk",
                                           "payment_method_ids": [(6, 0, [wechat])]}])
    other_session = post("/api/v1/pos/open", {"config_id": other})[1]["session"]["id"]
    assert "not one of this kiosk's session" in results(order("o", products["beer"], token, session=other_session))[0]
