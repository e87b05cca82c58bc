"""The examples of Odoo's External API documentation, with Python's own xmlrpc.client."""
import xmlrpc.client

import pytest

from conftest import ADMIN_PASSWORD


@pytest.fixture
def common(url):
    return xmlrpc.client.ServerProxy(url + "/xmlrpc/2/common")


@pytest.fixture
def models(url):
    return xmlrpc.client.ServerProxy(url + "/xmlrpc/2/object")


@pytest.fixture
def uid(common, db):
    return common.authenticate(db, "admin", ADMIN_PASSWORD, {})


def test_version(common):
    version = common.version()
    assert version["server_version"] == "17.0"
    assert version["server_version_info"][:2] == [17, 0]
    assert version["protocol_version"] == 1


def test_authenticate_good_and_bad(common, db):
    assert common.authenticate(db, "admin", ADMIN_PASSWORD, {}) == 2
    assert common.login(db, "admin", ADMIN_PASSWORD) == 2
    assert common.authenticate(db, "admin", "bad password", {}) is False


def test_the_documented_sequence(models, uid, db, unique):
    pw = ADMIN_PASSWORD
    assert models.execute_kw(db, uid, pw, "res.partner", "check_access_rights", ["read"], {"raise_exception": False}) is True
    base = models.execute_kw(db, uid, pw, "res.partner", "search", [[["is_company", "=", True]]])
    assert isinstance(base, list)
    paged = models.execute_kw(db, uid, pw, "res.partner", "search", [[["is_company", "=", True]]], {"offset": 0, "limit": 5})
    assert paged == base[:5]
    assert models.execute_kw(db, uid, pw, "res.partner", "search_count", [[["is_company", "=", True]]]) == len(base)
    fields = models.execute_kw(db, uid, pw, "res.partner", "fields_get", [], {"attributes": ["string", "help", "type"]})
    assert fields["name"]["type"] == "char"
    new_id = models.execute_kw(db, uid, pw, "res.partner", "create", [{"name": unique, "is_company": True}])
    assert isinstance(new_id, int)
    assert models.execute_kw(db, uid, pw, "res.partner", "write", [[new_id], {"name": unique + " renamed"}]) is True
    assert models.execute_kw(db, uid, pw, "res.partner", "read", [[new_id], ["display_name"]])[0]["display_name"] == unique + " renamed"
    assert models.execute_kw(db, uid, pw, "res.partner", "name_get", [[new_id]]) == [[new_id, unique + " renamed"]]
    rows = models.execute_kw(db, uid, pw, "res.partner", "search_read", [[["id", "=", new_id]]], {"fields": ["name", "country_id" if "country_id" in fields else "city"], "limit": 5})
    assert rows[0]["id"] == new_id
    full = models.execute_kw(db, uid, pw, "res.partner", "read", [[new_id]])[0]
    assert full["ref"] is False and full["active"] is True and full["credit_limit"] == 0.0
    assert models.execute_kw(db, uid, pw, "res.partner", "unlink", [[new_id]]) is True
    assert models.execute_kw(db, uid, pw, "res.partner", "search", [[["id", "=", new_id]]]) == []


def test_execute_without_kwargs(models, uid, db):
    assert isinstance(models.execute(db, uid, ADMIN_PASSWORD, "res.partner", "search", []), list)


@pytest.mark.parametrize("domain,expected", [
    ([["name", "=like", "{u}-%"]], 3),
    ([["credit_limit", ">", 10]], 2),
    ([["credit_limit", ">=", 10], ["credit_limit", "<", 30]], 2),
    (["|", ["ref", "=", "{u}-A"], ["ref", "=", "{u}-C"]], 2),
    (["!", ["ref", "=", "{u}-A"]], 2),
    ([["ref", "in", ["{u}-A", "{u}-B"]]], 2),
    ([["ref", "not in", ["{u}-A"]]], 2),
    ([["email", "=", False]], 1),
    ([["email", "!=", False]], 2),
    ([["name", "ilike", "{u}-b"]], 1),
    ([["name", "not ilike", "{u}-b"]], 2),
    ([["comment", "=?", False]], 3),
    ([["date", "<=", "2024-02-01"]], 1),
])
def test_operator_families(models, uid, db, unique, domain, expected):
    pw = ADMIN_PASSWORD
    ids = models.execute_kw(db, uid, pw, "res.partner", "create", [[
        {"name": unique + "-A", "ref": unique + "-A", "credit_limit": 10, "email": "a@x.cn", "date": "2024-01-01"},
        {"name": unique + "-B", "ref": unique + "-B", "credit_limit": 20, "email": "b@x.cn"},
        {"name": unique + "-C", "ref": unique + "-C", "credit_limit": 30},
    ]])
    try:
        concrete = eval(repr(domain).replace("{u}", unique))
        mine = [["id", "in", ids]] + concrete
        assert models.execute_kw(db, uid, pw, "res.partner", "search_count", [mine]) == expected
    finally:
        models.execute_kw(db, uid, pw, "res.partner", "unlink", [ids])


def test_fault_codes_of_the_xmlrpc_2_endpoint(models, uid, db):
    pw = ADMIN_PASSWORD
    cases = [
        (lambda: models.execute_kw(db, uid, "wrong", "res.partner", "search", [[]]), 3, "Access Denied"),
        (lambda: models.execute_kw(db, uid, pw, "no.model", "search", [[]]), 2, "Object no.model doesn't exist"),
        (lambda: models.execute_kw(db, uid, pw, "res.partner", "_private", [[]]), 4, "Private methods"),
        (lambda: models.execute_kw(db, uid, pw, "res.partner", "write", [[987654321], {"name": "x"}]), 2, "Record does not exist"),
        (lambda: models.execute_kw(db, uid, pw, "res.partner", "search", [[["nope", "=", 1]]]), 1, "ValueError: Invalid field"),
        (lambda: models.execute_kw(db, uid, pw, "res.partner", "frobnicate", [[]]), 1, "AttributeError"),
    ]
    for call, code, text in cases:
        with pytest.raises(xmlrpc.client.Fault) as fault:
            call()
        assert fault.value.faultCode == code
        assert text in fault.value.faultString


def test_legacy_endpoint_uses_string_fault_codes(url, db):
    legacy = xmlrpc.client.ServerProxy(url + "/xmlrpc/object")
    with pytest.raises(xmlrpc.client.Fault) as fault:
        legacy.execute_kw(db, 2, ADMIN_PASSWORD, "res.partner", "write", [[987654321], {"name": "x"}])
    assert fault.value.faultCode.startswith("warning -- MissingError")
    with pytest.raises(xmlrpc.client.Fault) as denied:
        legacy.execute_kw(db, 2, "bad", "res.partner", "search", [[]])
    assert denied.value.faultCode == "AccessDenied"


def test_db_service(url, db):
    service = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/db")
    assert db in service.list()
    assert service.server_version() == "17.0"
    with pytest.raises(xmlrpc.client.Fault) as fault:
        service.drop("master", db)
    assert fault.value.faultCode == 3


def test_report_service_answers_cleanly(url):
    with pytest.raises(xmlrpc.client.Fault) as fault:
        xmlrpc.client.ServerProxy(url + "/xmlrpc/2/report").render_report("demo", 2, "admin", "x", [1])
    assert fault.value.faultCode == 2
