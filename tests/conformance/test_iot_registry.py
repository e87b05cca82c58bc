"""The device registry (issue 18's first part) through Odoo's API: devices of a site under the
company rules (a store sees its own, a city its stores', nobody another city's), a uid that is
the device's MQTT identity (unique, lower case), and labels in Chinese."""
import uuid
import xmlrpc.client

import pytest


def as_user(url, db, login, password):
    uid = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/common").authenticate(db, login, password, {})
    models = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/object", allow_none=True)
    return lambda model, method, *args, **kwargs: models.execute_kw(db, uid, password, model, method, list(args), kwargs)


def test_devices_are_seen_by_their_site_and_its_city_only(url, db, rpc, unique):
    store = rpc("res.users", "search_read", [("login", "=", "store1")], fields=["company_id"])[0]["company_id"][0]
    city = rpc("res.company", "create", {"name": f"{unique} City", "parent_id": 1, "company_kind": "city"})
    other = rpc("res.company", "create", {"name": f"{unique} Store", "parent_id": city, "company_kind": "store"})
    probe = rpc("iot.device.type", "search", [("code", "=", "temp_probe")])[0]
    tag = uuid.uuid4().hex[:8]
    mine = rpc("iot.device", "create", {"name": f"{unique} 冷柜探头", "uid": f"t-{tag}-gz", "device_type_id": probe, "company_id": store})
    theirs = rpc("iot.device", "create", {"name": f"{unique} freezer", "uid": f"t-{tag}-xx", "device_type_id": probe, "company_id": other})
    row = rpc("iot.device", "read", [mine], ["online", "state", "type", "last_seen_at"])[0]
    assert row["online"] is False and row["state"] == "registered" and row["type"] == "sensor" and row["last_seen_at"] is False

    cashier = as_user(url, db, "store1", "store1")
    city_manager = as_user(url, db, "gz.manager", "gz.manager")
    assert cashier("iot.device", "search", [("name", "like", unique)]) == [mine]
    assert city_manager("iot.device", "search", [("name", "like", unique)]) == [mine]
    with pytest.raises(xmlrpc.client.Fault):
        cashier("iot.device", "read", [theirs], ["name"])
    with pytest.raises(xmlrpc.client.Fault):  # reading is all a store's user may do
        cashier("iot.device", "write", [mine], {"name": "renamed"})

    # The uid is the device's identity on the broker: unique, lower case, 8 to 40 characters.
    for bad in (f"t-{tag}-gz", "UPPER-CASE-1", "short"):
        with pytest.raises(xmlrpc.client.Fault):
            rpc("iot.device", "create", {"name": "bad", "uid": bad, "device_type_id": probe, "company_id": store})
    assert rpc("iot.device", "search_count", [("name", "=", "bad")]) == 0

    labels = rpc("iot.device", "fields_get", ["uid", "state"], ["string", "selection"], context={"lang": "zh_CN"})
    assert labels["uid"]["string"] == "设备 UID" and dict(labels["state"]["selection"])["retired"] == "已退役"
