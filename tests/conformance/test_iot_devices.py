"""Devices on the broker, simulated with paho-mqtt against the Mosquitto that scripts/test starts
beside the server (`serve --mqtt`): a device's birth sets it online (and active), its heartbeat
keeps it seen, its will (the connection dropped) sets it offline, each change announced on its
site's bus channel; malformed, unknown and oversized messages are dropped without stopping
ingestion."""
import json
import os
import socket
import time
import uuid

import pytest

PORT = os.environ.get("CHAINSTORE_MQTT_PORT")
if not PORT:
    pytest.skip("CHAINSTORE_MQTT_PORT is not set (scripts/test starts Mosquitto beside the server)", allow_module_level=True)

from devicesim import Device, notifications, refused, wait_for  # noqa: E402


def device_client(uid, site, password):
    device = Device(uid, site, password).connect()
    return device.client, device.prefix + "status"


def announced(url, db, site, uid):
    """The online/offline announcements of device `uid` on its site's bus channel, as the administrator hears them."""
    return [kind for kind, payload in notifications(url, db, site) if kind.startswith("iot.device/") and payload.get("uid") == uid]


def test_a_device_comes_online_is_seen_and_goes_offline_when_its_connection_drops(url, db, rpc, unique):
    store = rpc("res.users", "search_read", [("login", "=", "store1")], fields=["company_id"])[0]["company_id"][0]
    probe = rpc("iot.device.type", "search", [("code", "=", "temp_probe")])[0]
    uid = "t-" + uuid.uuid4().hex[:12]
    device = rpc("iot.device", "create", {"name": f"{unique} 冷柜", "uid": uid, "device_type_id": probe, "company_id": store})
    state = lambda: rpc("iot.device", "read", [device], ["online", "state", "last_seen_at"])[0]  # noqa: E731

    password = rpc("iot.device", "issue_credential", [device])["password"]
    client, status = device_client(uid, "GZ001", password)
    client.publish(status, json.dumps({"v": 1, "seq": 1, "state": "online", "fw": "1.4.2"}), qos=1, retain=True).wait_for_publish(5)
    online = wait_for(lambda: state()["online"] and state())
    assert online and online["state"] == "active" and online["last_seen_at"]

    # Garbage beside it: not JSON, an unknown device, a wrong topic shape, 100 KiB — dropped, and
    # the device's next heartbeat is still taken.
    client.publish(f"cs/v1/GZ001/{uid}/tele/hb", b"\xff not json", qos=1).wait_for_publish(5)
    client.publish("cs/v1/GZ001/nobody-here-123/tele/hb", json.dumps({"v": 1}), qos=1).wait_for_publish(5)
    client.publish(f"cs/v1/{uid}/status", json.dumps({"state": "online"}), qos=1).wait_for_publish(5)
    client.publish(f"cs/v1/GZ001/{uid}/tele/hb", json.dumps({"v": 1, "pad": "x" * 100_000}), qos=1).wait_for_publish(5)
    seen = online["last_seen_at"]
    time.sleep(1.1)
    client.publish(f"cs/v1/GZ001/{uid}/tele/hb", json.dumps({"v": 1, "seq": 2, "uptime": 42}), qos=1).wait_for_publish(5)
    assert wait_for(lambda: state()["last_seen_at"] > seen)

    # The connection drops without DISCONNECT: the broker publishes the will.
    client.loop_stop()
    client.socket().shutdown(socket.SHUT_RDWR)
    client.socket().close()
    offline = wait_for(lambda: not state()["online"] and state())
    assert offline and offline["state"] == "active"
    assert announced(url, db, store, uid) == ["iot.device/online", "iot.device/offline"]

    # A retired device loses its place on the broker: its credential no longer signs in.
    again, _ = device_client(uid, "GZ001", password)
    again.publish(status, b"", qos=1, retain=True).wait_for_publish(5)  # clears the retained status
    again.disconnect()
    again.loop_stop()
    rpc("iot.device", "write", [device], {"state": "retired"})
    assert wait_for(lambda: refused(uid, "GZ001", password))
    assert state()["online"] is False
