"""Supply-chain finance (issue 19) through Odoo's external API: a loan's whole life against a
pledged DC pallet, interest checked to the fen, pledged goods that cannot leave, concurrent
drawdowns, margin calls, receivables, who sees what, and the books that balance."""
import datetime
import os
import subprocess
import threading
import xmlrpc.client
from decimal import ROUND_HALF_UP, Decimal

import pytest

BIN = os.environ.get("CHAINSTORE_BIN")
DATA_DIR = os.environ.get("CHAINSTORE_DATA_DIR")
CHINA = datetime.timezone(datetime.timedelta(hours=8))


def as_user(url, db, login, password):
    uid = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/common").authenticate(db, login, password, {})
    models = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/object", allow_none=True)
    return lambda model, method, *args, **kwargs: models.execute_kw(db, uid, password, model, method, list(args), kwargs)


def ref(rpc, xmlid):
    module, name = xmlid.split(".")
    return rpc("ir.model.data", "check_object_reference", module, name)[1]


def today():
    return datetime.datetime.now(CHINA).date()


def fen(value):
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def receive(rpc, product, quantity, price, pallet=None):
    """`quantity` of `product` bought at `price` into the central DC's stock (on `pallet`)."""
    vendors, stock = ref(rpc, "stock.stock_location_suppliers"), ref(rpc, "stock.stock_location_stock")
    receipt = rpc("stock.picking", "create", {
        "picking_type_id": ref(rpc, "stock.picking_type_in"), "location_id": vendors, "location_dest_id": stock,
        "move_ids": [(0, 0, {"product_id": product, "product_uom_qty": quantity, "price_unit": price,
                             "location_id": vendors, "location_dest_id": stock})],
    })
    rpc("stock.picking", "action_confirm", [receipt])
    rpc("stock.picking", "action_assign", [receipt])
    lines = rpc("stock.move.line", "search", [("picking_id", "=", receipt)])
    values = {"quantity": quantity}
    if pallet:
        values["result_package_id"] = pallet
    rpc("stock.move.line", "write", lines, values)
    assert rpc("stock.picking", "button_validate", [receipt]) is True
    return receipt


class Programme:
    """A lender, a store borrowing, a product worth 10 at cost and 12 on the market price list,
    a pallet of it in the central DC, and a credit line."""

    def __init__(self, rpc, unique, units=100, limit=1000, max_ltv=0.6):
        self.rpc = rpc
        self.unique = unique
        self.lender = rpc("res.partner", "create", {"name": f"{unique} 银行", "is_company": True})
        self.store = rpc("res.users", "search_read", [("login", "=", "store1")], fields=["company_id"])[0]["company_id"][0]
        self.category = rpc("product.category", "create", {"name": f"{unique} 日化", "finance_haircut": 0.2})
        self.product = rpc("product.product", "create", {
            "name": f"{unique} 洗衣液", "type": "product", "detailed_type": "product", "categ_id": self.category,
            "standard_price": 10, "list_price": 15})
        self.pricelist = rpc("product.pricelist", "create", {"name": f"{unique} wholesale", "company_id": 1})
        self.item = rpc("product.pricelist.item", "create", {
            "pricelist_id": self.pricelist, "applied_on": "0_product_variant", "product_id": self.product, "compute_price": "fixed",
            "fixed_price": 12})
        self.line = rpc("finance.credit.line", "create", {
            "name": f"{unique} line", "borrower_company_id": self.store, "lender_id": self.lender, "limit_amount": limit, "max_ltv": max_ltv,
            "rate": 0.0435, "market_pricelist_id": self.pricelist, "start_date": str(today() - datetime.timedelta(days=400)),
            "registration_no": f"ZD-{unique}"})
        for step in ("action_submit", "action_approve", "action_activate"):
            assert rpc("finance.credit.line", step, [self.line]) is True
        # The store borrows as its legal entity.
        self.borrower = rpc("finance.credit.line", "read", [self.line], ["borrower_id"])[0]["borrower_id"][0]
        assert rpc("res.company", "read", [self.store], ["partner_id"])[0]["partner_id"][0] == self.borrower
        self.pallet = self.new_pallet(units)

    def new_pallet(self, units):
        pallet = self.rpc("stock.quant.package", "create", {"name": f"{self.unique}-{units}-{len(str(units))}-{os.urandom(3).hex()}"})
        receive(self.rpc, self.product, units, 10, pallet)
        return pallet

    def pledge(self, **values):
        pledge = self.rpc("finance.pledge", "create", {
            "credit_line_id": self.line, "kind": "static", "warehouse_id": 1, **values})
        self.rpc("finance.pledge", "action_register", [pledge], f"ZD-{self.unique}-{pledge}", f"search-{pledge}")
        return pledge

    def pledged(self, pledge, pallet=None):
        self.rpc("finance.pledge", "action_pledge_goods", [pledge], [pallet or self.pallet])
        self.rpc("finance.pledge", "action_activate", [pledge])
        return self.rpc("finance.pledge", "read", [pledge], ["state", "collateral_value", "ltv", "location_id", "line_ids"])[0]


def test_a_loan_lives_from_drawdown_to_release(url, db, rpc, unique):
    p = Programme(rpc, unique)
    pledge = p.pledge()
    state = p.pledged(pledge)
    # 100 × min(cost 10, market 12) × (1 − 20 %) = 800.
    assert state["state"] == "active" and fen(state["collateral_value"]) == Decimal("800.00")
    location = state["location_id"][0]

    start = today() - datetime.timedelta(days=40)
    # Above the opening line (60 % of 800 = 480): refused, nothing made.
    with pytest.raises(xmlrpc.client.Fault, match="opening line"):
        rpc("finance.credit.line", "drawdown", [p.line], 481, str(start + datetime.timedelta(days=180)), pledge, [], f"{unique}-big", None,
            str(start))
    assert rpc("finance.loan", "search", [("credit_line_id", "=", p.line)]) == []
    loan = rpc("finance.credit.line", "drawdown", [p.line], 400, str(start + datetime.timedelta(days=180)), pledge, [], f"{unique}-1",
               "stock for the new season", str(start))
    # The same request again (a retry after a lost answer) is the same loan; another under its key is refused.
    assert rpc("finance.credit.line", "drawdown", [p.line], 400, str(start + datetime.timedelta(days=180)), pledge, [], f"{unique}-1",
               None, str(start)) == loan
    with pytest.raises(xmlrpc.client.Fault, match="idempotency key"):
        rpc("finance.credit.line", "drawdown", [p.line], 300, str(start + datetime.timedelta(days=180)), pledge, [], f"{unique}-1", None,
            str(start))
    assert fen(rpc("finance.credit.line", "read", [p.line], ["available_amount"])[0]["available_amount"]) == Decimal("600.00")

    # 40 days of interest, ACT/360: each day 400 × 4.35 % ÷ 360 kept to eight decimals.
    yesterday = today() - datetime.timedelta(days=1)
    rpc("finance.loan", "accrue", [loan], str(yesterday))
    daily = (Decimal(400) * Decimal("0.0435") / 360).quantize(Decimal("0.00000001"), rounding=ROUND_HALF_UP)
    row = rpc("finance.loan", "read", [loan], ["interest_accrued", "accrued_through", "exposure", "state"])[0]
    assert row["accrued_through"] == str(yesterday) and row["state"] == "disbursed"
    assert Decimal(str(row["interest_accrued"])).quantize(Decimal("0.00000001")) == daily * 40
    assert fen(row["exposure"]) == Decimal(400) + fen(daily * 40) == Decimal("401.93")
    days = rpc("finance.loan.accrual", "search_read", [("loan_id", "=", loan)], fields=["date", "amount", "kind"], order="date")
    assert len(days) == 40 and days[0]["date"] == str(start) and {d["kind"] for d in days} == {"interest"}
    # Accrued again for the same days: nothing changes.
    assert rpc("finance.loan", "accrue", [loan], str(yesterday), str(start)) == 0
    assert rpc("finance.loan", "read", [loan], ["interest_accrued"])[0]["interest_accrued"] == row["interest_accrued"]

    # A delivery of the pledged goods is refused, and nothing moves.
    on_hand = rpc("stock.quant", "search_read", [("location_id", "=", location)], fields=["quantity"])
    delivery = rpc("stock.picking", "create", {
        "picking_type_id": ref(rpc, "stock.picking_type_out"), "location_id": location,
        "move_ids": [(0, 0, {"product_id": p.product, "product_uom_qty": 10, "location_id": location,
                             "location_dest_id": ref(rpc, "stock.stock_location_customers")})]})
    rpc("stock.picking", "action_confirm", [delivery])
    rpc("stock.picking", "action_assign", [delivery])
    rpc("stock.move", "write", rpc("stock.move", "search", [("picking_id", "=", delivery)]), {"quantity": 10})
    with pytest.raises(xmlrpc.client.Fault, match="cannot leave without a release"):
        rpc("stock.picking", "button_validate", [delivery])
    assert rpc("stock.quant", "search_read", [("location_id", "=", location)], fields=["quantity"]) == on_hand
    rpc("stock.picking", "action_cancel", [delivery])

    # Part repaid: interest first (1.93), the rest principal.
    repayment = rpc("finance.loan", "repay", [loan], 101.93, None, f"{unique}-r1", "bank slip 1")
    paid = rpc("finance.repayment", "read", [repayment], ["interest_paid", "principal_paid", "penalty_paid", "fees_paid", "amount"])[0]
    assert (fen(paid["interest_paid"]), fen(paid["principal_paid"]), fen(paid["fees_paid"])) == (Decimal("1.93"), Decimal("100.00"), 0)
    assert rpc("finance.loan", "repay", [loan], 101.93, None, f"{unique}-r1", "bank slip 1") == repayment
    assert fen(rpc("finance.loan", "read", [loan], ["principal_outstanding"])[0]["principal_outstanding"]) == Decimal("300.00")

    # 30 units out against the repayment: 240 of 800 may go while 300 is owed (at most 800 − 300 ÷ 60 % = 300).
    lines = rpc("finance.pledge.line", "search_read", [("pledge_id", "=", pledge)], fields=["quantity", "value"])
    assert [(l["quantity"], fen(l["value"])) for l in lines] == [(100, Decimal("800.00"))]
    release = rpc("finance.pledge", "request_release", [pledge], [{"line_id": lines[0]["id"], "quantity": 30}], repayment)
    rpc("finance.release", "action_approve", [release])
    moved = rpc("finance.release", "action_scan", [release])
    assert moved["picking_id"]
    assert rpc("stock.quant", "search_read", [("location_id", "=", location)], fields=["quantity"])[0]["quantity"] == 70
    assert fen(rpc("finance.pledge", "read", [pledge], ["collateral_value"])[0]["collateral_value"]) == Decimal("560.00")
    # 40 more (320) would leave 240 against 300 owed: refused.
    greedy = rpc("finance.pledge", "request_release", [pledge], [{"line_id": lines[0]["id"], "quantity": 40}])
    with pytest.raises(xmlrpc.client.Fault, match="Repay first"):
        rpc("finance.release", "action_approve", [greedy])
    rpc("finance.release", "action_reject", [greedy])

    # Repaid in full, the rest of the goods released, the pledge closed.
    with pytest.raises(xmlrpc.client.Fault, match="more than that"):
        rpc("finance.loan", "repay", [loan], 300.01)
    rpc("finance.loan", "repay", [loan], 300, None, f"{unique}-r2")
    assert rpc("finance.loan", "read", [loan], ["state"])[0]["state"] == "repaid"
    rest = rpc("finance.pledge", "request_release", [pledge], [{"line_id": lines[0]["id"], "quantity": 70}])
    rpc("finance.release", "action_approve", [rest])
    rpc("finance.release", "action_scan", [rest])
    assert rpc("finance.pledge", "action_release", [pledge]) is True
    assert rpc("finance.pledge", "read", [pledge], ["state"])[0]["state"] == "released"
    assert rpc("stock.quant", "search_read", [("location_id", "=", location), ("quantity", ">", 0)], fields=["quantity"]) == []

    # Both books balance, entry by entry; the export gives the same rows for the same cursor.
    first = rpc("finance.entry", "export_entries", "", 10000)
    again = rpc("finance.entry", "export_entries", "", 10000)
    assert first == again
    mine = [e for e in first["entries"] if e["loan_id"] == loan]
    assert {e["event"] for e in mine} == {"disbursement", "accrual", "repayment"}
    for book in ("lender", "borrower"):
        rows = [e for e in mine if e["book"] == book]
        assert sum(Decimal(e["debit"]) for e in rows) == sum(Decimal(e["credit"]) for e in rows) > 0
    interest = sum(Decimal(e["credit"]) for e in mine if e["account"] == "interest_income")
    assert interest == Decimal("1.93")
    csv = rpc("finance.entry", "export_entries", "", 5, "csv")
    assert csv["csv"].startswith("move,book,") and csv["cursor"]

    valuations = rpc("finance.valuation", "search_read", [("pledge_id", "=", pledge)], fields=["trigger"])
    assert {"drawdown", "release", "repayment"} <= {v["trigger"] for v in valuations}
    with pytest.raises(xmlrpc.client.Fault):
        rpc("finance.valuation", "write", [valuations[0]["id"]], {"trigger": "manual"})
    if BIN and DATA_DIR:
        check = subprocess.run([BIN, "check", "finance", "--data-dir", DATA_DIR, "--database", db], capture_output=True, text=True, timeout=120)
        assert check.returncode == 0, check.stdout + check.stderr
        assert " 0 breaches" in check.stdout and " 0 loans" not in check.stdout


def test_fifty_concurrent_drawdowns_never_pass_the_limit(url, db, rpc, unique):
    p = Programme(rpc, unique, units=1000, limit=1000)
    pledge = p.pledge()
    p.pledged(pledge)
    maturity = str(today() + datetime.timedelta(days=90))
    uid = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/common").authenticate(db, "admin", os.environ.get("CHAINSTORE_ADMIN_PASSWORD", "admin"), {})
    outcomes = []

    def draw(n):
        models = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/object", allow_none=True)
        try:
            models.execute_kw(db, uid, os.environ.get("CHAINSTORE_ADMIN_PASSWORD", "admin"), "finance.credit.line", "drawdown",
                              [[p.line], 30, maturity, pledge, [], f"{unique}-{n}"], {})
            outcomes.append("ok")
        except xmlrpc.client.Fault as fault:
            outcomes.append(fault.faultString)

    threads = [threading.Thread(target=draw, args=(n,)) for n in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    loans = rpc("finance.loan", "search_read", [("credit_line_id", "=", p.line)], fields=["principal_amount", "state"])
    total = sum(Decimal(str(l["principal_amount"])) for l in loans)
    assert outcomes.count("ok") == len(loans) == 33 and total == Decimal(990)
    assert all("exceeds the limit" in o for o in outcomes if o != "ok")
    line = rpc("finance.credit.line", "read", [p.line], ["exposure", "available_amount"])[0]
    assert fen(line["exposure"]) == Decimal(990) and fen(line["available_amount"]) == Decimal(10)


def test_a_price_drop_opens_one_margin_call_and_a_top_up_cures_it(url, db, rpc, unique):
    p = Programme(rpc, unique)
    pledge = p.pledge()
    p.pledged(pledge)
    loan = rpc("finance.credit.line", "drawdown", [p.line], 480, str(today() + datetime.timedelta(days=90)), pledge, [], f"{unique}-1")
    # The market falls to 9: 100 × 9 × 0.8 = 720, LTV 66.7 % — past the opening line, short of the warning line: no call.
    rpc("product.pricelist.item", "write", [p.item], {"fixed_price": 9})
    row = rpc("finance.pledge", "read", [pledge], ["collateral_value", "state", "ltv"])[0]
    assert fen(row["collateral_value"]) == Decimal("720.00") and row["state"] == "active"
    # To 7.5: 600, LTV 80 % > the call line (75 %): one call for what brings it back to 60 %.
    rpc("product.pricelist.item", "write", [p.item], {"fixed_price": 7.5})
    rpc("product.pricelist.item", "write", [p.item], {"fixed_price": 7.4})
    calls = rpc("finance.margin.call", "search_read", [("pledge_id", "=", pledge)], fields=["state", "required_value", "ltv_at_open"])
    assert len(calls) == 1 and calls[0]["state"] == "open" and fen(calls[0]["required_value"]) == Decimal("200.00")
    assert rpc("finance.pledge", "read", [pledge], ["state"])[0]["state"] == "called"
    # No new drawdown past the opening line while called.
    with pytest.raises(xmlrpc.client.Fault):
        rpc("finance.credit.line", "drawdown", [p.line], 10, str(today() + datetime.timedelta(days=90)), pledge, [], f"{unique}-2")
    # A top-up of 40 units: 140 × 7.4 × 0.8 = 828.8, LTV 57.9 %: cured, once.
    events = rpc("finance.pledge", "action_pledge_goods", [pledge], [p.new_pallet(40)])["events"]
    assert [e["event"] for e in events] == ["cured"]
    calls = rpc("finance.margin.call", "search_read", [("pledge_id", "=", pledge)], fields=["state", "cure_kind"])
    assert calls == [{"id": calls[0]["id"], "state": "cured", "cure_kind": "goods"}]
    assert rpc("finance.pledge", "read", [pledge], ["state"])[0]["state"] == "active"
    assert rpc("finance.loan", "read", [loan], ["state"])[0]["state"] == "disbursed"


def test_the_register_takes_each_balance_and_receipt_once(url, db, rpc, unique):
    p = Programme(rpc, unique)
    first = p.pledge()
    p.pledged(first)
    second = p.pledge()
    with pytest.raises(xmlrpc.client.Fault, match="already pledged"):
        rpc("finance.pledge", "action_pledge_goods", [second], [p.pallet])
    rpc("finance.pledge", "create", {"credit_line_id": p.line, "kind": "warehouse_receipt", "warehouse_id": 1, "receipt_no": f"WR-{unique}"})
    with pytest.raises(xmlrpc.client.Fault, match="already exists"):
        rpc("finance.pledge", "create", {"credit_line_id": p.line, "kind": "warehouse_receipt", "warehouse_id": 1, "receipt_no": f"WR-{unique}"})
    # A warehouse receipt pledge cannot be registered without its receipt number.
    bare = rpc("finance.pledge", "create", {"credit_line_id": p.line, "kind": "warehouse_receipt", "warehouse_id": 1})
    with pytest.raises(xmlrpc.client.Fault, match="receipt"):
        rpc("finance.pledge", "action_register", [bare], "ZD-1", "search-1")
    assert rpc("finance.pledge", "read", [bare], ["state"])[0]["state"] == "draft"


def test_borrowers_see_their_own_loans_only(url, db, rpc, unique):
    p = Programme(rpc, unique)
    pledge = p.pledge()
    p.pledged(pledge)
    mine = rpc("finance.credit.line", "drawdown", [p.line], 100, str(today() + datetime.timedelta(days=90)), pledge, [], f"{unique}-1")
    supplier = rpc("res.partner", "create", {"name": f"{unique} 供应商", "is_company": True})
    other_line = rpc("finance.credit.line", "create", {
        "name": f"{unique} other", "borrower_id": supplier, "lender_id": p.lender, "limit_amount": 500, "product_type": "receivable"})
    cashier = as_user(url, db, "store1", "store1")
    city = as_user(url, db, "gz.manager", "gz.manager")
    assert cashier("finance.loan", "search", [("id", "in", [mine])]) == [mine]
    assert city("finance.loan", "search", [("id", "in", [mine])]) == [mine]
    assert cashier("finance.credit.line", "search", [("name", "like", unique)]) == [p.line]
    with pytest.raises(xmlrpc.client.Fault):
        cashier("finance.credit.line", "read", [other_line], ["name"])
    with pytest.raises(xmlrpc.client.Fault):  # a borrower reads; it does not decide
        cashier("finance.loan", "repay", [mine], 10)
    with pytest.raises(xmlrpc.client.Fault):
        cashier("finance.credit.line", "write", [p.line], {"limit_amount": 1e9})
    assert cashier("finance.pledge", "search", [("id", "=", pledge)]) == [pledge]
    labels = rpc("finance.loan", "fields_get", ["state", "exposure"], ["string", "selection"], context={"lang": "zh_CN"})
    assert labels["exposure"]["string"] == "风险敞口" and dict(labels["state"]["selection"])["repaid"] == "已还清"


def test_receivables_are_financed_once_confirmed_and_never_twice(url, db, rpc, unique):
    supplier = rpc("res.partner", "create", {"name": f"{unique} 供应商", "is_company": True})
    lender = rpc("res.partner", "create", {"name": f"{unique} 保理", "is_company": True})
    product = rpc("product.product", "create", {"name": f"{unique} 纸巾", "type": "product", "detailed_type": "product"})
    receipt = receive(rpc, product, 10, 50)
    line = rpc("finance.credit.line", "create", {
        "name": f"{unique} factoring", "borrower_id": supplier, "lender_id": lender, "limit_amount": 10000, "product_type": "receivable",
        "advance_rate": 0.8, "rate": 0.05})
    for step in ("action_submit", "action_approve", "action_activate"):
        rpc("finance.credit.line", step, [line])
    due = str(today() + datetime.timedelta(days=60))
    claim = rpc("finance.receivable", "create", {
        "supplier_id": supplier, "debtor_company_id": 1, "receipt_picking_id": receipt, "bill_ref": f"INV-{unique}", "face_amount": 500,
        "due_date": due})
    maturity = str(today() + datetime.timedelta(days=60))
    with pytest.raises(xmlrpc.client.Fault, match="confirmed"):
        rpc("finance.credit.line", "drawdown", [line], 100, maturity, None, [claim], f"{unique}-0")
    rpc("finance.receivable", "action_confirm", [claim])
    with pytest.raises(xmlrpc.client.Fault, match="more than"):
        rpc("finance.credit.line", "drawdown", [line], 400.01, maturity, None, [claim], f"{unique}-1")
    loan = rpc("finance.credit.line", "drawdown", [line], 400, maturity, None, [claim], f"{unique}-2")
    row = rpc("finance.receivable", "read", [claim], ["state", "loan_id", "assigned_to_id", "advance_amount"])[0]
    assert row["state"] == "assigned" and row["loan_id"][0] == loan and row["assigned_to_id"][0] == lender and row["advance_amount"] == 400
    with pytest.raises(xmlrpc.client.Fault, match="financed once"):
        rpc("finance.credit.line", "drawdown", [line], 10, maturity, None, [claim], f"{unique}-3")
    # A disputed receivable of the supplier blocks every new advance.
    other = rpc("finance.receivable", "create", {
        "supplier_id": supplier, "debtor_company_id": 1, "receipt_picking_id": receipt, "bill_ref": f"INV2-{unique}", "face_amount": 100,
        "due_date": due})
    third = rpc("finance.receivable", "create", {
        "supplier_id": supplier, "debtor_company_id": 1, "receipt_picking_id": receipt, "bill_ref": f"INV3-{unique}", "face_amount": 100,
        "due_date": due})
    rpc("finance.receivable", "action_confirm", [other, third])
    rpc("finance.receivable", "action_dispute", [other])
    with pytest.raises(xmlrpc.client.Fault, match="disputed"):
        rpc("finance.credit.line", "drawdown", [line], 10, maturity, None, [third], f"{unique}-4")
    rpc("finance.receivable", "action_resolve", [other])
    rpc("finance.credit.line", "drawdown", [line], 80, maturity, None, [third], f"{unique}-5")
    # The same bill cannot be registered twice.
    with pytest.raises(xmlrpc.client.Fault, match="already exists"):
        rpc("finance.receivable", "create", {"supplier_id": supplier, "debtor_company_id": 1, "bill_ref": f"INV-{unique}", "face_amount": 1,
                                             "due_date": due})


def test_a_pledged_pallet_at_a_dock_door_raises_an_alert_and_stays(url, db, rpc, unique):
    from epcpy.epc_schemes.sscc import SSCC, SSCCFilterValue

    from test_stock import post_json

    p = Programme(rpc, unique)
    serial = str(int.from_bytes(os.urandom(4), "big") % 10**9).zfill(9)
    body = "0" + "6901234" + serial
    check = (10 - sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(body)) % 10) % 10
    pallet = rpc("stock.quant.package", "create", {"name": body + str(check)})
    receive(rpc, p.product, 50, 10, pallet)
    pledge = p.pledge()
    location = p.pledged(pledge, pallet)["location_id"][0]
    reader = unique.upper()
    rpc("stock.rfid.reader", "create", {"name": unique, "code": reader, "role": "dock", "location_id": ref(rpc, "stock.stock_location_stock"),
                                         "dedup_seconds": 1})
    # The tag written by an independent encoder, read twice at the dock door: the pallet stays, one alert.
    epc = SSCC(f"urn:epc:id:sscc:6901234.0{serial}").hex(filter_value=SSCCFilterValue.ALL_OTHERS)
    for second in (0, 30):
        status, answer = post_json(url, db, "/api/v1/rfid/reads", {"reads": [
            {"reader": reader, "antenna": 1, "epc": epc, "rssi": -50, "time": f"2026-11-26T10:00:{second:02d}Z"}]})
        assert status == 200, answer
        held = [e for e in answer["events"] if e["package_id"] == pallet]
        assert held and held[0]["kind"] == "pallet_held" and "cannot leave without a release" in held[0]["reason"]
    alerts = rpc("finance.collateral.alert", "search_read", [("pledge_id", "=", pledge)], fields=["source", "package_id", "state", "reader_id"])
    assert [(a["source"], a["package_id"][0], a["state"]) for a in alerts] == [("rfid_gate", pallet, "open")]
    assert rpc("stock.quant", "search_read", [("package_id", "=", pallet)], fields=["location_id", "quantity"]) == [
        {"id": rpc("stock.quant", "search", [("package_id", "=", pallet)])[0], "location_id": [location, rpc("stock.location", "read", [location], ["display_name"])[0]["display_name"]], "quantity": 50}]
    assert rpc("finance.valuation", "search_count", [("pledge_id", "=", pledge), ("trigger", "=", "stock_move")]) >= 1


def test_damaged_expired_and_near_expiry_goods_count_for_nothing(url, db, rpc, unique):
    p = Programme(rpc, unique)
    pledge = p.pledge()
    p.pledged(pledge)
    line = rpc("finance.pledge.line", "search", [("pledge_id", "=", pledge)])
    # The supervisor finds the pallet damaged: its value goes at once, and comes back when sound.
    rpc("finance.pledge.line", "action_mark_damaged", line)
    row = rpc("finance.pledge.line", "read", line, ["eligible", "ineligible_reason", "value", "damaged"])[0]
    assert (row["eligible"], row["ineligible_reason"], row["value"], row["damaged"]) == (False, "damaged", 0, True)
    assert rpc("finance.pledge", "read", [pledge], ["collateral_value"])[0]["collateral_value"] == 0
    cashier = as_user(url, db, "store1", "store1")
    with pytest.raises(xmlrpc.client.Fault):  # the borrower cannot declare its own goods sound
        cashier("finance.pledge.line", "action_mark_damaged", line, False)
    rpc("finance.pledge.line", "action_mark_damaged", line, False)
    assert fen(rpc("finance.pledge", "read", [pledge], ["collateral_value"])[0]["collateral_value"]) == Decimal("800.00")

    # A lot past its expiry, and one inside the line's near-expiry days: nothing.
    tracked = rpc("product.product", "create", {"name": f"{unique} 牛奶", "type": "product", "detailed_type": "product", "tracking": "lot",
                                               "categ_id": p.category, "standard_price": 10})
    soon = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=10)).strftime("%Y-%m-%d %H:%M:%S")
    gone = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S")
    near = rpc("stock.lot", "create", {"name": f"{unique}-near", "product_id": tracked, "removal_date": soon})
    old = rpc("stock.lot", "create", {"name": f"{unique}-old", "product_id": tracked, "expiration_date": gone})
    stock = ref(rpc, "stock.stock_location_stock")
    for lot in (near, old):
        receipt = rpc("stock.picking", "create", {
            "picking_type_id": ref(rpc, "stock.picking_type_in"), "location_id": ref(rpc, "stock.stock_location_suppliers"),
            "location_dest_id": stock, "move_ids": [(0, 0, {"product_id": tracked, "product_uom_qty": 5, "price_unit": 10})]})
        rpc("stock.picking", "action_confirm", [receipt])
        rpc("stock.picking", "action_assign", [receipt])
        rpc("stock.move.line", "write", rpc("stock.move.line", "search", [("picking_id", "=", receipt)]), {"quantity": 5, "lot_id": lot})
        rpc("stock.picking", "button_validate", [receipt])
    quants = rpc("stock.quant", "search_read", [("product_id", "=", tracked), ("location_id", "=", stock)], fields=["quantity"])
    rpc("finance.pledge", "action_pledge_goods", [pledge], [], [{"quant_id": q["id"], "quantity": q["quantity"]} for q in quants])
    lines = rpc("finance.pledge.line", "search_read", [("pledge_id", "=", pledge), ("product_id", "=", tracked)],
                fields=["lot_id", "ineligible_reason", "value"])
    assert sorted((l["lot_id"][0], l["ineligible_reason"], l["value"]) for l in lines) == sorted([(near, "near_expiry", 0), (old, "expired", 0)])
    assert fen(rpc("finance.pledge", "read", [pledge], ["collateral_value"])[0]["collateral_value"]) == Decimal("800.00")


def test_a_dynamic_pledge_lets_goods_out_above_its_floor_only(url, db, rpc, unique):
    p = Programme(rpc, unique)
    pledge = p.pledge(kind="dynamic")
    p.pledged(pledge)
    rpc("finance.credit.line", "drawdown", [p.line], 400, str(today() + datetime.timedelta(days=90)), pledge, [], f"{unique}-1")
    # Owed 400 at an opening line of 60 %: the goods must stay worth 666.67.
    assert fen(rpc("finance.pledge", "read", [pledge], ["min_controlled_value"])[0]["min_controlled_value"]) == Decimal("666.67")
    line = rpc("finance.pledge.line", "search", [("pledge_id", "=", pledge)])[0]
    # 10 units (80) out on the supervisor's scan alone: 720 stays.
    out = rpc("finance.pledge", "request_release", [pledge], [{"line_id": line, "quantity": 10}])
    rpc("finance.release", "action_scan", [out])
    assert rpc("finance.release", "read", [out], ["state"])[0]["state"] == "done"
    assert fen(rpc("finance.pledge", "read", [pledge], ["collateral_value"])[0]["collateral_value"]) == Decimal("720.00")
    # 10 more would leave 640, under the floor: the lender must approve, and nothing moved.
    more = rpc("finance.pledge", "request_release", [pledge], [{"line_id": line, "quantity": 10}])
    with pytest.raises(xmlrpc.client.Fault, match="minimum controlled value"):
        rpc("finance.release", "action_scan", [more])
    assert rpc("finance.pledge.line", "read", [line], ["quantity"])[0]["quantity"] == 90
    # New goods in, then the old may go: out old, in new.
    rpc("finance.pledge", "action_pledge_goods", [pledge], [p.new_pallet(20)])
    rpc("finance.release", "action_scan", [more])
    assert fen(rpc("finance.pledge", "read", [pledge], ["collateral_value"])[0]["collateral_value"]) == Decimal("800.00")
    # A static pledge never lets goods out without the lender.
    static = p.pledge()
    p.pledged(static, p.new_pallet(10))
    goods = rpc("finance.pledge.line", "search", [("pledge_id", "=", static)])[0]
    ask = rpc("finance.pledge", "request_release", [static], [{"line_id": goods, "quantity": 1}])
    with pytest.raises(xmlrpc.client.Fault, match="approved releases only"):
        rpc("finance.release", "action_scan", [ask])


def test_past_the_liquidation_line_the_goods_are_sold_and_the_rest_written_off(url, db, rpc, unique):
    p = Programme(rpc, unique)
    pledge = p.pledge()
    p.pledged(pledge)
    loan = rpc("finance.credit.line", "drawdown", [p.line], 480, str(today() + datetime.timedelta(days=90)), pledge, [], f"{unique}-1")
    with pytest.raises(xmlrpc.client.Fault, match="only under enforcement"):
        rpc("finance.pledge", "action_liquidate", [pledge], [], 0)
    # The market collapses to 6: 480 ÷ 480 = 100 % > the liquidation line (85 %): enforcement, releases frozen.
    rpc("product.pricelist.item", "write", [p.item], {"fixed_price": 6})
    assert rpc("finance.pledge", "read", [pledge], ["state"])[0]["state"] == "in_enforcement"
    assert rpc("finance.loan", "read", [loan], ["state"])[0]["state"] == "in_enforcement"
    line = rpc("finance.pledge.line", "search", [("pledge_id", "=", pledge)])[0]
    with pytest.raises(xmlrpc.client.Fault, match="one pledge|frozen|under enforcement|is in_enforcement"):
        rpc("finance.pledge", "request_release", [pledge], [{"line_id": line, "quantity": 1}])
    # The lender sells the pallet for 450: the loan takes it, the goods are gone, the pledge is liquidated.
    sold = rpc("finance.pledge", "action_liquidate", [pledge], [{"line_id": line, "quantity": 100}], 450, None, f"{unique}-sale")
    assert rpc("finance.pledge", "action_liquidate", [pledge], [{"line_id": line, "quantity": 100}], 450, None, f"{unique}-sale")["repeated"]
    assert Decimal(sold["surplus"]) == 0 and len(sold["repayment_ids"]) == 1
    assert rpc("finance.pledge", "read", [pledge], ["state"])[0]["state"] == "liquidated"
    row = rpc("finance.loan", "read", [loan], ["principal_outstanding", "state"])[0]
    assert fen(row["principal_outstanding"]) == Decimal("30.00") and row["state"] == "in_enforcement"
    # What the sale did not cover is written off: the lender's books balance, the line is free again.
    rpc("finance.loan", "action_write_off", [loan])
    assert rpc("finance.loan", "read", [loan], ["state"])[0]["state"] == "written_off"
    assert fen(rpc("finance.credit.line", "read", [p.line], ["exposure"])[0]["exposure"]) == 0
    entries = [e for e in rpc("finance.entry", "export_entries", "", 10000)["entries"] if e["loan_id"] == loan and e["event"] == "write_off"]
    assert sum(Decimal(e["debit"]) for e in entries) == sum(Decimal(e["credit"]) for e in entries) == Decimal("30.00")
