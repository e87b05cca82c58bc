"""odoorpc 0.10.1 (JSON-RPC through /jsonrpc and /web/webclient/version_info), used unchanged."""
import odoorpc
import pytest


@pytest.fixture
def cashier(host_port, db):
    host, port = host_port
    client = odoorpc.ODOO(host, port=port)
    client.login(db, "store1", "store1")
    return client


def test_version_is_parsed_as_odoo_17(host_port):
    host, port = host_port
    client = odoorpc.ODOO(host, port=port)
    assert client.version == "17.0"
    assert "demo" in client.db.list()


def test_wrong_password_is_refused(host_port, db):
    host, port = host_port
    client = odoorpc.ODOO(host, port=port)
    with pytest.raises(odoorpc.error.RPCError, match="Wrong login ID or password"):
        client.login(db, "admin", "not the password")


def test_context_of_the_user(odoo):
    assert odoo.env.uid == 2
    assert odoo.env.context["lang"] == "en_US"
    assert "tz" in odoo.env.context


def test_create_browse_write_unlink_round_trip(odoo, unique):
    Partner = odoo.env["res.partner"]
    pid = Partner.create({"name": unique, "email": unique + "@example.cn", "credit_limit": 1500.5})
    assert isinstance(pid, int)
    partner = Partner.browse(pid)
    assert partner.name == unique
    assert partner.credit_limit == 1500.5
    partner.ref = "REF-" + unique
    assert Partner.read([pid], ["ref"])[0]["ref"] == "REF-" + unique
    partner.unlink()
    assert Partner.search([("id", "=", pid)]) == []


def test_search_with_order_limit_offset_and_count(odoo, unique):
    Partner = odoo.env["res.partner"]
    ids = [Partner.create({"name": "%s-%d" % (unique, i), "ref": "%s-%02d" % (unique, i)}) for i in range(5)]
    domain = [("name", "=like", unique + "-%")]
    assert Partner.search(domain, order="ref desc") == list(reversed(ids))
    assert Partner.search(domain, order="ref", offset=1, limit=2) == ids[1:3]
    assert Partner.search_count(domain) == 5
    assert odoo.execute_kw("res.partner", "search_count", [domain], {"limit": 3}) == 3
    Partner.browse(ids).unlink()


def test_many2one_read_shapes(odoo, unique):
    Partner = odoo.env["res.partner"]
    parent = Partner.create({"name": unique + " Co", "is_company": True})
    child = Partner.create({"name": "Li", "parent_id": parent})
    rows = odoo.execute_kw("res.partner", "read", [[child], ["parent_id", "display_name"]])
    assert rows[0]["parent_id"] == [parent, unique + " Co"]
    assert rows[0]["display_name"] == unique + " Co, Li"
    bare = odoo.execute_kw("res.partner", "read", [[child], ["parent_id"]], {"load": "_classic_write"})
    assert bare[0]["parent_id"] == parent
    assert Partner.browse(child).parent_id.id == parent
    Partner.browse([child, parent]).unlink()


def test_a_contacts_complete_name_follows_its_company(odoo, unique):
    Partner = odoo.env["res.partner"]
    parent = Partner.create({"name": unique + " Co", "is_company": True})
    child = Partner.create({"name": "Wang", "parent_id": parent})
    assert Partner.read([child], ["complete_name", "display_name"])[0]["complete_name"] == unique + " Co, Wang"
    # Found by the name it is shown with, company included, as Odoo 17 searches complete_name.
    assert [f[0] for f in Partner.name_search(unique + " Co, Wa")] == [child]
    Partner.browse(parent).write({"name": unique + " Renamed"})
    assert Partner.read([child], ["display_name"])[0]["display_name"] == unique + " Renamed, Wang"
    assert Partner.search([("display_name", "ilike", unique + " Renamed, W")]) == [child]
    Partner.browse(child).write({"parent_id": False})
    assert Partner.read([child], ["display_name"])[0]["display_name"] == "Wang"
    # Kept by the database: a value written to it is computed again.
    Partner.browse(child).write({"complete_name": "forged"})
    assert Partner.read([child], ["complete_name"])[0]["complete_name"] == "Wang"
    Partner.browse([child, parent]).unlink()


def test_x2many_short_commands(odoo, unique):
    Tag = odoo.env["res.partner.category"]
    Partner = odoo.env["res.partner"]
    a, b = Tag.create({"name": unique + "-a"}), Tag.create({"name": unique + "-b"})
    pid = Partner.create({"name": unique, "category_id": [(6, 0, [a])]})
    partner = Partner.browse(pid)
    partner.category_id += Tag.browse(b)
    assert sorted(partner.category_id.ids) == sorted([a, b])
    partner.category_id -= Tag.browse(a)
    assert partner.category_id.ids == [b]
    partner.category_id = False
    assert partner.category_id.ids == []
    partner.unlink()
    Tag.browse([a, b]).unlink()


def test_name_search_and_read_group(odoo, unique):
    Partner = odoo.env["res.partner"]
    ids = [Partner.create({"name": "%s %s" % (unique, n), "credit_limit": c, "date": d})
           for n, c, d in [("A", 10, "2024-01-05"), ("B", 20, "2024-01-25"), ("C", 5, "2024-03-01")]]
    found = Partner.name_search(unique + " B")
    assert [f[0] for f in found] == [ids[1]]
    groups = odoo.execute_kw("res.partner", "read_group",
                             [[("name", "=like", unique + "%")], ["credit_limit:sum"], ["date:month"]])
    assert [(g["date:month"], g["date_count"], g["credit_limit"]) for g in groups] == [
        ("January 2024", 2, 30.0), ("March 2024", 1, 5.0)]
    Partner.browse(ids).unlink()


def test_fields_get_describes_fields(odoo):
    fields = odoo.execute_kw("res.partner", "fields_get", [], {"attributes": ["type", "relation", "string"]})
    assert fields["parent_id"] == {"type": "many2one", "relation": "res.partner", "string": "Related Company"}
    assert fields["name"]["type"] == "char"


def test_errors_surface_as_rpcerror_with_odoo_names(odoo, unique):
    with pytest.raises(odoorpc.error.RPCError) as unknown_model:
        odoo.execute("no.such.model", "search", [])
    assert unknown_model.value.info["data"]["name"] == "odoo.exceptions.UserError"
    assert "Object no.such.model doesn't exist" in str(unknown_model.value)
    with pytest.raises(odoorpc.error.RPCError) as unknown_field:
        odoo.execute("res.partner", "search", [("no_such_field", "=", 1)])
    assert unknown_field.value.info["data"]["name"] == "builtins.ValueError"
    with pytest.raises(odoorpc.error.RPCError) as private:
        odoo.execute("res.partner", "_private", [])
    assert private.value.info["data"]["name"] == "odoo.exceptions.AccessError"
    with pytest.raises(odoorpc.error.RPCError) as missing:
        odoo.execute("res.partner", "write", [987654321], {"name": "x"})
    assert missing.value.info["data"]["name"] == "odoo.exceptions.MissingError"
    with pytest.raises(odoorpc.error.RPCError) as unknown_method:
        odoo.execute("res.partner", "no_such_method", [])
    assert unknown_method.value.info["data"]["name"] == "builtins.AttributeError"
    with pytest.raises(odoorpc.error.RPCError) as required:
        odoo.execute("res.company", "create", {"parent_id": 1})
    assert required.value.info["data"]["name"] == "odoo.exceptions.ValidationError"


def test_a_cashier_sees_only_their_store(odoo, cashier, unique):
    city = odoo.execute("res.company", "search", [("name", "=", "Guangzhou City Subsidiary")])[0]
    other = odoo.env["res.partner"].create({"name": unique, "company_id": city})
    assert cashier.env["res.partner"].search([("id", "=", other)]) == []
    with pytest.raises(odoorpc.error.RPCError) as denied:
        cashier.execute("res.partner", "read", [other], ["name"])
    assert denied.value.info["data"]["name"] == "odoo.exceptions.AccessError"
    odoo.env["res.partner"].browse(other).unlink()


def test_allowed_company_ids_narrows(odoo, unique):
    store = odoo.execute("res.company", "search", [("name", "=", "Guangzhou Store 001")])[0]
    pid = odoo.env["res.partner"].create({"name": unique, "company_id": 1})
    narrowed = odoo.execute_kw("res.partner", "search", [[("id", "=", pid)]], {"context": {"allowed_company_ids": [store]}})
    assert narrowed == []
    with pytest.raises(odoorpc.error.RPCError) as bad:
        odoo.execute_kw("res.partner", "search", [[]], {"context": {"allowed_company_ids": [999999]}})
    assert bad.value.info["data"]["name"] == "odoo.exceptions.AccessError"
    odoo.env["res.partner"].browse(pid).unlink()


def test_models_are_listed_in_ir_model(odoo):
    assert "res.partner" in odoo.env
    models = {m["model"] for m in odoo.execute("ir.model", "search_read", [], ["model"])}
    assert {"res.partner", "res.company", "res.users", "ir.model"} <= models
