"""Several tenant databases on one server: `db` in the call chooses, and nothing crosses over."""
import xmlrpc.client

import pytest

from conftest import ADMIN_PASSWORD, TENANT_PASSWORD


def test_databases_are_listed_and_separate(url, db):
    assert {db, "tenant2"} <= set(xmlrpc.client.ServerProxy(url + "/xmlrpc/2/db").list())
    common = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/common")
    tenant_uid = common.login("tenant2", "tenant.user", TENANT_PASSWORD)
    assert tenant_uid
    assert common.login(db, "tenant.user", TENANT_PASSWORD) is False
    assert common.login("tenant2", "admin", ADMIN_PASSWORD) is False
    models = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/object")
    pid = models.execute_kw("tenant2", tenant_uid, TENANT_PASSWORD, "res.partner", "create", [{"name": "only in tenant2"}])
    assert models.execute_kw("tenant2", tenant_uid, TENANT_PASSWORD, "res.partner", "search", [[["id", "=", pid]]]) == [pid]
    assert models.execute_kw(db, 2, ADMIN_PASSWORD, "res.partner", "search_count", [[["name", "=", "only in tenant2"]]]) == 0
    with pytest.raises(xmlrpc.client.Fault) as fault:
        models.execute_kw("tenant2", 2, ADMIN_PASSWORD, "res.partner", "search", [[]])
    assert fault.value.faultCode == 3


def test_unknown_database_is_an_error(url):
    with pytest.raises(xmlrpc.client.Fault) as fault:
        xmlrpc.client.ServerProxy(url + "/xmlrpc/2/common").login("no_such_db", "admin", "x")
    assert "Database not found" in fault.value.faultString
    with pytest.raises(xmlrpc.client.Fault):
        xmlrpc.client.ServerProxy(url + "/xmlrpc/2/object").execute_kw("no_such_db", 2, "admin", "res.partner", "search", [[]])
