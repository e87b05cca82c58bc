"""Odoo 17 fields integrations use, through xmlrpc.client and odoorpc unchanged: countries and
China's provinces with Odoo's codes and external ids, the group's currency, a partner's address
and person/company fields, a user's own partner."""
import xmlrpc.client

import odoorpc
import pytest

from conftest import ADMIN_PASSWORD


@pytest.fixture
def rpc(url, db):
    models = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/object")
    return lambda model, method, *args: models.execute_kw(db, 2, ADMIN_PASSWORD, model, method, *args)


def test_env_ref_finds_the_seeded_records(odoo):
    assert odoo.env.ref("base.main_company").id == 1
    assert odoo.env.ref("base.user_admin").id == 2
    cny = odoo.env.ref("base.CNY")
    assert (cny.name, cny.symbol, cny.decimal_places, cny.active) == ("CNY", "¥", 2, True)
    china = odoo.env.ref("base.cn")
    assert (china.code, china.phone_code, china.currency_id.name) == ("CN", 86, "CNY")
    guangdong = odoo.env.ref("base.state_cn_GD")
    assert (guangdong.code, guangdong.name, guangdong.country_id.code) == ("GD", "Guangdong", "CN")
    assert odoo.env.ref("uom.product_uom_unit").name
    assert odoo.env.ref("stock.stock_location_stock").usage == "internal"


def test_every_iso_country_and_chinas_34_divisions(rpc):
    codes = {row["code"] for row in rpc("res.country", "search_read", [[]], {"fields": ["code"]})}
    assert {"CN", "HK", "DE", "US", "JP", "FR", "BR", "ZA"} <= codes
    assert len(codes) >= 249
    states = rpc("res.country.state", "search_read", [[("country_id.code", "=", "CN")]], {"fields": ["code", "name"]})
    assert len(states) == 34
    assert {"GD", "BJ", "SH", "HA", "HE", "SN", "SX", "HK", "MO", "TW"} <= {s["code"] for s in states}
    assert rpc("ir.model.data", "search_count", [[("module", "=", "base"), ("name", "=", "de"), ("model", "=", "res.country")]]) == 1


def test_a_company_has_the_groups_currency_and_country(rpc, unique):
    main = rpc("res.company", "read", [[1], ["currency_id", "country_id", "state_id"]])[0]
    assert main["currency_id"][1] == "CNY" and main["country_id"][1] == "China" and main["state_id"][1].startswith("Guangdong")
    # A company made with a name only takes its parent's currency and country, as Odoo's default does.
    made = rpc("res.company", "create", [{"name": unique}])
    row = rpc("res.company", "read", [[made], ["parent_id", "currency_id", "country_id"]])[0]
    assert row["parent_id"][0] == 1 and row["currency_id"] == main["currency_id"] and row["country_id"] == main["country_id"]


def test_partner_address_and_identity_fields_round_trip(rpc, unique):
    china = rpc("res.country", "search", [[("code", "=", "CN")]])[0]
    gd = rpc("res.country.state", "search", [[("code", "=", "GD"), ("country_id", "=", china)]])[0]
    company = rpc("res.partner", "create", [{"name": unique + " 有限公司", "is_company": True, "country_id": china, "state_id": gd,
                                             "street2": "3楼", "website": "https://example.cn", "color": 4, "lang": "zh_CN",
                                             "tz": "Asia/Shanghai", "user_id": 2}])
    person = rpc("res.partner", "create", [{"name": unique + " 张三", "parent_id": company, "function": "采购经理"}])
    fields = ["country_id", "state_id", "country_code", "street2", "website", "color", "lang", "tz", "user_id", "company_type",
              "commercial_partner_id", "function"]
    one, two = rpc("res.partner", "read", [[company, person], fields])
    assert one["country_id"] == [china, "China"] and one["state_id"][0] == gd and one["country_code"] == "CN"
    assert (one["street2"], one["website"], one["color"], one["lang"], one["tz"]) == ("3楼", "https://example.cn", 4, "zh_CN", "Asia/Shanghai")
    assert one["user_id"][0] == 2
    assert one["company_type"] == "company" and two["company_type"] == "person"
    assert one["commercial_partner_id"][0] == company and two["commercial_partner_id"][0] == company
    assert two["function"] == "采购经理"
    # Searchable as Odoo allows.
    assert rpc("res.partner", "search", [[("country_id.code", "=", "CN"), ("name", "=", unique + " 有限公司")]]) == [company]
    assert rpc("res.partner", "search", [[("commercial_partner_id", "=", company)]], {"order": "id"}) == [company, person]
    described = rpc("res.partner", "fields_get", [["country_id", "state_id", "company_type"]], {"attributes": ["type", "relation"]})
    assert described["country_id"] == {"type": "many2one", "relation": "res.country"}
    assert described["state_id"]["relation"] == "res.country.state"
    assert described["company_type"]["type"] == "selection"
    with pytest.raises(xmlrpc.client.Fault):
        rpc("res.partner", "write", [[company], {"country_id": 987654321}])
    rpc("res.partner", "unlink", [[person, company]])


def test_a_user_gets_its_own_partner(odoo, unique):
    Users = odoo.env["res.users"]
    uid = Users.create({"name": unique, "login": unique, "email": unique + "@example.cn"})
    user = Users.browse(uid)
    assert user.partner_id.name == unique
    assert user.partner_id.email == unique + "@example.cn"
    user.name = unique + " renamed"
    assert Users.browse(uid).partner_id.name == unique + " renamed"
    admin = Users.browse(2)
    assert admin.partner_id.id == odoo.env.ref("base.partner_admin").id


def test_warehouse_operation_types_and_a_locations_warehouse(odoo):
    warehouse = odoo.env.ref("stock.warehouse0")
    assert warehouse.in_type_id.id == odoo.env.ref("stock.picking_type_in").id
    assert warehouse.out_type_id.id == odoo.env.ref("stock.picking_type_out").id
    assert warehouse.int_type_id.id == odoo.env.ref("stock.picking_type_internal").id
    assert (warehouse.reception_steps, warehouse.delivery_steps) == ("one_step", "ship_only")
    stock = odoo.env.ref("stock.stock_location_stock")
    assert stock.warehouse_id.id == warehouse.id
    assert not odoo.env.ref("stock.stock_location_customers").warehouse_id
    Locations = odoo.env["stock.location"]
    assert stock.id in Locations.search([("warehouse_id", "=", warehouse.id), ("usage", "=", "internal")])


def test_a_variant_is_found_by_code_barcode_or_name_as_odoo_finds_it(rpc, unique):
    payload = "69%010d" % (abs(hash(unique)) % 10**10)
    check = (10 - sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(payload)) % 10) % 10
    barcode = payload + str(check)
    pid = rpc("product.product", "create", [{"name": unique + " 酱油", "default_code": "NS-" + unique, "barcode": barcode}])
    for term in ["NS-" + unique, barcode[4:], unique + " 酱"]:
        found = rpc("product.product", "name_search", [term])
        assert [pid, "[NS-%s] %s 酱油" % (unique, unique)] in found, term
    assert rpc("product.product", "name_search", [unique + "-nothing"]) == []
    # Excluding by name keeps the others and drops it.
    assert pid not in [f[0] for f in rpc("product.product", "name_search", [unique], {"operator": "not ilike", "limit": 1000})]
    # Renamed through its template, it is found by the new name only (the variant keeps a copy).
    template = rpc("product.product", "read", [[pid], ["product_tmpl_id"]])[0]["product_tmpl_id"][0]
    rpc("product.template", "write", [[template], {"name": unique + " 醋"}])
    assert [f[0] for f in rpc("product.product", "name_search", [unique + " 醋"])] == [pid]
    assert rpc("product.product", "name_search", [unique + " 酱"]) == []
    assert rpc("product.product", "search", [[("name", "=", unique + " 醋")]]) == [pid]
    rpc("product.product", "write", [[pid], {"name": unique + " 糖"}])
    assert rpc("product.product", "search", [[("name", "ilike", unique + " 糖")]]) == [pid]
    rpc("product.product", "unlink", [[pid]])
