"""The IoT platform with devices simulated by paho-mqtt against the real Mosquitto that
scripts/test starts (its password and ACL files written by the server from the registry):
per-device credentials and topics, offline alerts after a pending time, telemetry and alert rules
with hysteresis, commands with acknowledgement, timeouts and retries, pick-to-light and RFID
gates."""
import os
import time
import xmlrpc.client

import pytest

if not os.environ.get("CHAINSTORE_MQTT_PORT"):
    pytest.skip("CHAINSTORE_MQTT_PORT is not set (scripts/test starts Mosquitto beside the server)", allow_module_level=True)

import paho.mqtt.client as mqtt  # noqa: E402

from conftest import ADMIN_PASSWORD  # noqa: E402
from devicesim import Device, notifications, online, refused, register, wait_for  # noqa: E402
from test_backoffice_app import dashboard  # noqa: E402


def now_iso():
    # One reading of the clock: seconds and milliseconds read apart could straddle a second and
    # stamp a later sample before an earlier one.
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + ".%03dZ" % (int(now * 1000) % 1000)


def test_a_device_signs_in_with_its_own_credential_and_writes_only_under_its_own_uid(rpc, unique):
    first, first_id = online(rpc, unique)
    second_id, second_uid, site = register(rpc, unique)
    second_password = rpc("iot.device", "issue_credential", [second_id])["password"]
    # The token is shown once: the registry keeps no readable copy.
    credential = rpc("iot.credential", "search_read", [("device_id", "=", first_id)], fields=[])
    assert len(credential) == 1 and all("token" not in name for name in credential[0])
    assert rpc("iot.device", "read", [second_id], ["state"])[0]["state"] == "provisioned"

    # A wrong password, and another device's uid with this one's password, are refused.
    with pytest.raises(AssertionError, match="could not connect"):
        Device(first.uid, site, "wrong-password").connect(seconds=0)
    with pytest.raises(AssertionError, match="could not connect"):
        Device(second_uid, site, first.password).connect(seconds=0)

    # Publishing as the second device from the first one's session: the broker says no (MQTT 5
    # PUBACK "not authorised"), and nothing reaches the platform.
    spy = Device(first.uid, site, first.password, protocol=mqtt.MQTTv5, client_id=first.uid + "-spy").connect(will=False)
    codes = []
    spy.client.on_publish = lambda client, userdata, mid, reason_code, properties: codes.append(reason_code.value)
    spy.publish(None, {"v": 1, "state": "online"}, topic=f"cs/v1/{site}/{second_uid}/status")
    assert wait_for(lambda: codes) and codes[0] == 135
    time.sleep(0.5)
    assert rpc("iot.device", "read", [second_id], ["online"])[0]["online"] is False
    spy.close(clear_status=False)

    # Re-issuing revokes the old token.
    newer = rpc("iot.device", "issue_credential", [second_id])["password"]
    assert newer != second_password
    assert wait_for(lambda: refused(second_uid, site, second_password))
    Device(second_uid, site, newer).connect().close(clear_status=False)
    first.close()


def test_an_offline_alert_fires_once_after_the_grace_and_a_blip_raises_nothing(url, db, rpc, unique):
    steady, steady_id = online(rpc, unique, offline_grace_s=3)
    blip, blip_id = online(rpc, unique, offline_grace_s=3)
    site = steady.site

    # The blip: the connection drops and is back within a second.
    blip.drop()
    assert wait_for(lambda: not rpc("iot.device", "read", [blip_id], ["online"])[0]["online"])
    blip.connect()
    blip.birth()
    assert wait_for(lambda: rpc("iot.device", "read", [blip_id], ["online"])[0]["online"])

    # The real outage: offline at once, the alert only after the grace, and only once.
    steady.drop()
    assert wait_for(lambda: not rpc("iot.device", "read", [steady_id], ["online"])[0]["online"])
    went = time.time()
    assert rpc("iot.alert", "search", [("device_id", "=", steady_id)]) == []
    firing = wait_for(lambda: rpc("iot.alert", "search_read", [("device_id", "=", steady_id), ("state", "=", "firing")],
                                  fields=["kind", "pending_since", "firing_since"]), seconds=15)
    assert firing and firing[0]["kind"] == "offline" and time.time() - went >= 2.5
    time.sleep(2.5)
    assert rpc("iot.alert", "search_count", [("device_id", "=", steady_id)]) == 1
    assert rpc("iot.alert", "search_count", [("device_id", "=", blip_id)]) == 0
    # On the back office's dashboard, for the administrator (by city) and the store's city manager.
    for login, password in (("admin", ADMIN_PASSWORD), ("gz.manager", "gz.manager")):
        assert sum(dashboard(url, db, login, password)["iot.devices_offline"]["values"]) >= 1

    # Back online: resolved, once; both changes announced on the site's channel.
    steady.connect()
    steady.birth()
    assert wait_for(lambda: rpc("iot.alert", "read", [firing[0]["id"]], ["state"])[0]["state"] == "resolved")
    kinds = [kind for kind, payload in notifications(url, db, site) if payload.get("device_id") in (steady_id, blip_id)]
    assert kinds == ["iot.alert/firing", "iot.alert/resolved"]
    steady.close()
    blip.close()


def test_a_freezer_alert_opens_once_and_closes_once_with_hysteresis(url, db, rpc, unique):
    freezer, freezer_id = online(rpc, unique)
    rule = rpc("iot.alert.rule", "create", {"name": f"{unique} freezer warm", "metric": "temp_c", "op": ">", "threshold": -15,
                                           "clear_threshold": -17, "for_s": 2, "device_id": freezer_id, "severity": "critical"})

    def sample(value, seq):
        freezer.publish("tele/env", {"v": 1, "ts": now_iso(), "seq": seq, "samples": [{"m": "temp_c", "v": value}, {"m": "door_open", "v": 0}]})

    def alerts():
        return rpc("iot.alert", "search_read", [("rule_id", "=", rule)], fields=["state", "last_value"], order="id")

    sample(-20, 1)
    sample(-10, 2)  # above: pending, not yet announced
    assert wait_for(lambda: alerts() and alerts()[0]["state"] == "pending")
    sample(-21, 3)  # back before for_s: the pending alert lapses, never announced
    assert wait_for(lambda: alerts()[0]["state"] == "inactive")
    sample(-9, 4)
    assert wait_for(lambda: len(alerts()) == 2 and alerts()[1]["state"] == "pending")
    # Held for for_s with no new sample (a sensor sending on change): the timer fires it.
    assert wait_for(lambda: alerts()[1]["state"] == "firing", seconds=8)
    sample(-16, 5)  # below the threshold but above the clear threshold: still firing
    time.sleep(1.5)
    assert alerts()[1]["state"] == "firing"
    sample(-18, 6)
    assert wait_for(lambda: alerts()[1]["state"] == "resolved")
    sample(-19, 7)
    time.sleep(1)
    assert len(alerts()) == 2
    announced = [kind for kind, payload in notifications(url, db, freezer.site) if payload.get("rule") == f"{unique} freezer warm"]
    assert announced == ["iot.alert/firing", "iot.alert/resolved"]

    # The samples are kept, the latest value is at hand, and minute rollups follow.
    points = rpc("iot.device", "read_telemetry", [freezer_id], "temp_c")
    assert [p["avg"] for p in points] == [-20, -10, -21, -9, -16, -18, -19]
    with pytest.raises(xmlrpc.client.Fault, match="step is raw"):
        rpc("iot.device", "read_telemetry", [freezer_id], "temp_c", step="1d")
    freezer.close()


def metric(url, name, result):
    """A counter of the server's /metrics."""
    import urllib.request
    with urllib.request.urlopen(url + "/metrics", timeout=10) as response:
        for line in response.read().decode().splitlines():
            if line.startswith(name + "{") and f'result="{result}"' in line:
                return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_malformed_and_oversized_telemetry_is_dropped_without_stopping_ingestion(url, rpc, unique):
    sensor, sensor_id = online(rpc, unique)
    dropped, samples_dropped = metric(url, "chainstore_iot_messages_total", "dropped"), metric(url, "chainstore_iot_samples_total", "dropped")
    sensor.publish("tele/env", b"\xff\xfe not json")
    sensor.publish("tele/env", {"v": 1, "samples": [{"m": "bad metric!", "v": 1}]})
    sensor.publish("tele/env", {"v": 1, "ts": "yesterday", "samples": [{"m": "temp_c", "v": 1}]})
    sensor.publish("tele/env", {"v": 1, "samples": [{"m": "temp_c", "v": "x" * 300}]})
    sensor.publish("tele/env", {"v": 1, "samples": [{"m": "temp_c", "v": 2}] * 1001})
    sensor.publish("tele/env", {"v": 1, "pad": "x" * 70_000, "samples": [{"m": "temp_c", "v": 3}]})
    sensor.publish("tele/env", {"v": 1, "ts": "2020-01-01T00:00:00Z", "samples": [{"m": "temp_c", "v": 4}]})  # no partition for it
    sensor.publish("tele/env", {"v": 1, "ts": now_iso(), "samples": [{"m": "temp_c", "v": 5.5}, {"m": "mode", "v": "defrost"}]}, qos=0)
    assert wait_for(lambda: rpc("iot.device", "read_telemetry", [sensor_id], "temp_c"))
    assert [p["avg"] for p in rpc("iot.device", "read_telemetry", [sensor_id], "temp_c")] == [5.5]
    assert [p["text"] for p in rpc("iot.device", "read_telemetry", [sensor_id], "mode")] == ["defrost"]
    # Counted: six messages dropped whole, and the sample dated 2020.
    assert metric(url, "chainstore_iot_messages_total", "dropped") - dropped >= 6
    assert metric(url, "chainstore_iot_samples_total", "dropped") - samples_dropped >= 1
    sensor.close()


def test_commands_are_acknowledged_resulted_retried_until_acknowledged_and_timed_out(url, db, rpc, unique):
    def obedient(device, body):
        device.respond(body["cmd_id"], "ack", wait=False)
        device.respond(body["cmd_id"], "result", result={"shown": body["params"].get("text")}, wait=False)

    display, display_id = online(rpc, unique, type_code="display", answer=obedient)
    command = rpc("iot.device", "send_command", [display_id], "display.show", {"text": "欢迎光临"})
    done = wait_for(lambda: rpc("iot.command", "read", [command], ["state", "attempts", "result", "cmd_id"])[0]["state"] == "succeeded"
                    and rpc("iot.command", "read", [command], ["state", "attempts", "result", "cmd_id"])[0])
    assert done and done["attempts"] == 1 and "欢迎光临" in done["result"]
    assert len(display.commands) == 1 and display.commands[0]["cmd_id"] == done["cmd_id"] and display.commands[0]["type"] == "display.show"
    assert display.commands[0]["expires_at"].endswith("Z")
    # The same answer again changes nothing.
    display.respond(done["cmd_id"], "result", ok=False, error={"code": "LATE"})
    time.sleep(0.5)
    assert rpc("iot.command", "read", [command], ["state"])[0]["state"] == "succeeded"

    # A device that never acknowledges: sent again with the same id, then timed out and reported.
    silent, silent_id = online(rpc, unique, type_code="display")
    lost = rpc("iot.device", "send_command", [silent_id], "display.show", {"text": "1"}, ack_timeout=1, max_attempts=2)
    assert wait_for(lambda: rpc("iot.command", "read", [lost], ["state"])[0]["state"] == "timed_out", seconds=10)
    assert rpc("iot.command", "read", [lost], ["attempts"])[0]["attempts"] == 2
    assert len(silent.commands) == 2 and silent.commands[0]["cmd_id"] == silent.commands[1]["cmd_id"]
    assert ("iot.command/timed_out", lost) in [(kind, payload.get("id")) for kind, payload in notifications(url, db, silent.site)]

    # Acknowledged but never resulted: timed out and never sent again (its effect may have happened).
    acked = rpc("iot.device", "send_command", [silent_id], "display.show", {"text": "2"}, ack_timeout=1, result_timeout=2)
    assert wait_for(lambda: len(silent.commands) == 3)
    silent.respond(silent.commands[2]["cmd_id"], "ack")
    assert wait_for(lambda: rpc("iot.command", "read", [acked], ["state"])[0]["state"] == "timed_out", seconds=10)
    time.sleep(1.5)
    assert len(silent.commands) == 3 and rpc("iot.command", "read", [acked], ["attempts"])[0]["attempts"] == 1

    # A refused command, a bad one, and one to an offline device that must not wait.
    refused_cmd = rpc("iot.device", "send_command", [silent_id], "display.show", {})
    assert wait_for(lambda: len(silent.commands) == 4)
    silent.respond(silent.commands[3]["cmd_id"], "ack", ok=False, error={"code": "BUSY"})
    assert wait_for(lambda: rpc("iot.command", "read", [refused_cmd], ["state", "error_code"])[0] == {
        "id": refused_cmd, "state": "rejected", "error_code": "BUSY"})
    for bad in (("Bad Type", {}), ("x", ["not", "an", "object"]), ("x", {"big": "x" * 20_000})):
        with pytest.raises(xmlrpc.client.Fault):
            rpc("iot.device", "send_command", [silent_id], *bad)
    silent.drop()
    assert wait_for(lambda: not rpc("iot.device", "read", [silent_id], ["online"])[0]["online"])
    with pytest.raises(xmlrpc.client.Fault, match="offline"):
        rpc("iot.device", "send_command", [silent_id], "display.show", {}, when_offline="reject")
    display.close()


def test_a_wave_is_lit_shelf_by_shelf_and_confirmed_into_a_done_transfer(url, db, rpc, unique):
    def ref(xmlid):
        module, name = xmlid.split(".")
        return rpc("ir.model.data", "check_object_reference", module, name)[1]

    def lit(device, body):
        device.respond(body["cmd_id"], "ack", wait=False)
        device.respond(body["cmd_id"], "result", wait=False)

    stock, receipts, deliveries = ref("stock.stock_location_stock"), ref("stock.picking_type_in"), ref("stock.picking_type_out")
    shelves, products, lights = [], [], []
    for n in range(2):
        shelf = rpc("stock.location", "create", {"name": f"{unique}-{n}", "location_id": stock, "usage": "internal"})
        product = rpc("product.product", "create", {"name": f"{unique} item {n}", "type": "product", "detailed_type": "product"})
        received = rpc("stock.picking", "create", {"picking_type_id": receipts, "location_dest_id": shelf,
                                                   "move_ids": [(0, 0, {"product_id": product, "product_uom_qty": 10, "location_dest_id": shelf})]})
        rpc("stock.picking", "button_validate", [received], context={"skip_backorder": True})
        light, light_id = online(rpc, unique, type_code="ptl_controller", login="admin", answer=lit, type="pick_to_light",
                                 location_id=shelf, address=f"ctl1/p1/0x0{n + 1}")
        shelves.append(shelf)
        products.append(product)
        lights.append((light, light_id))

    picking = rpc("stock.picking", "create", {"picking_type_id": deliveries, "move_ids": [
        (0, 0, {"product_id": products[0], "product_uom_qty": 6}), (0, 0, {"product_id": products[1], "product_uom_qty": 4})]})
    rpc("stock.picking", "action_assign", [picking])
    # The transfer picked as a wave (a wave of one here; every transfer of the wave is lit).
    wave = rpc("stock.picking.batch", "create", {"picking_ids": [(6, 0, [picking])], "is_wave": True})
    answer = rpc("stock.picking.batch", "action_pick_to_light", [wave])
    assert answer["dark"] == [] and len(answer["lit"]) == 2
    assert wait_for(lambda: all(light.commands for light, _ in lights))
    first, second = lights[0][0].commands[0], lights[1][0].commands[0]
    assert first["type"] == "light.show" and first["params"]["text"] == "     6" and first["params"]["address"] == "ctl1/p1/0x01"
    assert second["params"]["text"] == "     4"

    # Shelf one confirms 6; shelf two has only 3 (shortage). The transfer is done; 1 goes to a backorder.
    lights[0][0].publish("evt/confirm", {"v": 1, "type": "confirm", "address": "ctl1/p1/0x01", "qty_shown": "     6", "cmd_id": first["cmd_id"]})
    assert wait_for(lambda: rpc("stock.move.line", "search_count", [("picking_id", "=", picking), ("picked", "=", True)]) == 1)
    assert rpc("stock.picking", "read", [picking], ["state"])[0]["state"] != "done"
    lights[1][0].publish("evt/shortage", {"v": 1, "type": "shortage", "address": "ctl1/p1/0x02", "qty_shown": "     3", "cmd_id": second["cmd_id"]})
    assert wait_for(lambda: rpc("stock.picking", "read", [picking], ["state"])[0]["state"] == "done")
    done = rpc("stock.move", "search_read", [("picking_id", "=", picking)], fields=["product_id", "quantity"], order="id")
    assert [(m["product_id"][0], m["quantity"]) for m in done] == [(products[0], 6), (products[1], 3)]
    backorder = rpc("stock.picking", "search", [("backorder_id", "=", picking)])
    assert len(backorder) == 1
    rest = rpc("stock.move", "search_read", [("picking_id", "=", backorder[0])], fields=["product_id", "product_uom_qty"])
    assert [(m["product_id"][0], m["product_uom_qty"]) for m in rest] == [(products[1], 1)]
    kinds = [kind for kind, payload in notifications(url, db, lights[0][0].site) if payload.get("picking_id") == picking]
    assert kinds == ["iot.pick/confirmed", "iot.pick/short"]
    # A press delivered twice, and one for a quantity above what was asked, change nothing.
    lights[0][0].publish("evt/confirm", {"v": 1, "type": "confirm", "qty_shown": "     6", "cmd_id": first["cmd_id"]})
    time.sleep(0.5)
    assert rpc("stock.picking", "search_count", [("backorder_id", "=", picking)]) == 1
    for light, _ in lights:
        light.close()


def test_an_rfid_gate_feeds_the_rfid_ingestion_deduplicated(rpc, unique):
    from epcpy.epc_schemes.sgtin import SGTIN, SGTINFilterValue

    stock = rpc("ir.model.data", "check_object_reference", "stock", "stock_location_stock")[1]
    gate, gate_id = online(rpc, unique, type_code="rfid_gate", login="admin", type="rfid_gate", location_id=stock)
    rpc("stock.rfid.reader", "create", {"name": unique, "code": gate.uid, "role": "dock", "location_id": stock, "dedup_seconds": 30})
    epc = SGTIN("urn:epc:id:sgtin:6901234.012345.9001").hex(binary_coding_scheme=SGTIN.BinaryCodingScheme.SGTIN_96,
                                                            filter_value=SGTINFilterValue.POS_ITEM)
    reads = [{"epc": epc, "rssi": -58, "first": now_iso(), "last": now_iso(), "count": 7}]
    gate.publish("evt/rfid", {"v": 1, "ts": now_iso(), "seq": 1, "type": "rfid", "reader": gate.uid, "antenna": 2, "direction": "out", "reads": reads})
    seen = wait_for(lambda: rpc("stock.rfid.sighting", "search_read", [("reader_id.code", "=", gate.uid)], fields=["epc", "reads"]))
    assert len(seen) == 1 and seen[0]["epc"].upper() == epc.upper()
    # The same tag again within the reader's window: the same sighting.
    gate.publish("evt/rfid", {"v": 1, "ts": now_iso(), "seq": 2, "type": "rfid", "reads": reads})
    time.sleep(1)
    assert rpc("stock.rfid.sighting", "search_count", [("reader_id.code", "=", gate.uid)]) == 1
    # A reader of another site is not this gate's to feed.
    other = rpc("stock.rfid.reader", "create", {"name": unique + " other", "code": unique.upper(), "role": "dock", "location_id": stock,
                                                "dedup_seconds": 30, "company_id": rpc("res.users", "search_read", [("login", "=", "store1")],
                                                                                        fields=["company_id"])[0]["company_id"][0]})
    gate.publish("evt/rfid", {"v": 1, "ts": now_iso(), "reader": unique.upper(), "reads": reads})
    time.sleep(1)
    assert rpc("stock.rfid.sighting", "search_count", [("reader_id", "=", other)]) == 0
    gate.close()
