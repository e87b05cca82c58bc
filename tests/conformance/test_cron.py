"""ir.cron through Odoo's external API: administrators see and edit the scheduled jobs, "Run
Manually" goes through a cron node's claim, and nobody else may read them."""
import time
import xmlrpc.client

import pytest

from conftest import ADMIN_PASSWORD

FIELDS = ["name", "cron_name", "code", "active", "interval_number", "interval_type", "numbercall", "nextcall", "lastcall",
          "priority", "failure_count", "progress_done", "progress_remaining", "running_on", "user_id"]


@pytest.fixture
def rpc(url, db):
    models = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/object")
    return lambda model, method, *args, uid=2, password=ADMIN_PASSWORD: models.execute_kw(db, uid, password, model, method, *args)


def job(rpc, code):
    rows = rpc("ir.cron", "search_read", [[["code", "=", code]]], {"fields": FIELDS})
    assert len(rows) == 1, rows
    return rows[0]


def test_every_registered_job_is_a_scheduled_action_with_odoos_fields(rpc):
    codes = {row["code"] for row in rpc("ir.cron", "search_read", [[]], {"fields": ["code"]})}
    assert {"base.audit_seal", "base.partitions", "payment.sweep", "payment.reconcile"} <= codes
    seal = job(rpc, "base.audit_seal")
    assert seal["interval_number"] == 1 and seal["interval_type"] == "seconds" and seal["active"] is True
    assert seal["numbercall"] == -1 and seal["cron_name"] == seal["name"] and isinstance(seal["priority"], int)
    partitions = job(rpc, "base.partitions")
    assert (partitions["interval_number"], partitions["interval_type"]) == (1, "hours")
    fields = rpc("ir.cron", "fields_get", [], {"attributes": ["type", "readonly"]})
    assert fields["nextcall"]["type"] == "datetime" and fields["interval_type"]["type"] == "selection"
    assert fields["running_on"]["readonly"] is True


def test_run_manually_goes_through_a_cron_nodes_claim(rpc):
    before = job(rpc, "base.partitions")
    assert rpc("ir.cron", "method_direct_trigger", [[before["id"]]]) is True
    deadline = time.time() + 30
    after = before
    while time.time() < deadline and after["lastcall"] == before["lastcall"]:
        time.sleep(0.3)
        after = job(rpc, "base.partitions")
    assert after["lastcall"] and after["lastcall"] != before["lastcall"], "no cron node ran the job"
    assert after["failure_count"] == 0 and after["nextcall"] > after["lastcall"]


def test_an_administrator_changes_the_schedule(rpc):
    row = job(rpc, "payment.reconcile")
    rpc("ir.cron", "write", [[row["id"]], {"interval_number": 20, "interval_type": "minutes", "priority": 3}])
    changed = job(rpc, "payment.reconcile")
    assert (changed["interval_number"], changed["interval_type"], changed["priority"]) == (20, "minutes", 3)
    rpc("ir.cron", "write", [[row["id"]], {"interval_number": row["interval_number"], "interval_type": row["interval_type"],
                                           "priority": row["priority"]}])
    with pytest.raises(xmlrpc.client.Fault, match="interval_type|Wrong value|not a valid"):
        rpc("ir.cron", "write", [[row["id"]], {"interval_type": "fortnights"}])


def test_a_cashier_sees_no_scheduled_action(url, db, rpc):
    common = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/common")
    uid = common.authenticate(db, "store1", "store1", {})
    assert uid
    with pytest.raises(xmlrpc.client.Fault, match="AccessError|not allowed"):
        rpc("ir.cron", "search_read", [[]], {"fields": ["name"]}, uid=uid, password="store1")
    row = job(rpc, "base.partitions")
    with pytest.raises(xmlrpc.client.Fault, match="AccessError|not allowed"):
        rpc("ir.cron", "method_direct_trigger", [[row["id"]]], uid=uid, password="store1")
