"""Devices simulated with paho-mqtt against the Mosquitto that scripts/test starts beside the
server: each signs in with the credential the server issued it (`iot.device.issue_credential`),
whose line reaches the broker's password file moments later."""
import json
import os
import threading
import time
import uuid

import paho.mqtt.client as mqtt

PORT = int(os.environ.get("CHAINSTORE_MQTT_PORT", "0"))


def wait_for(check, seconds=10):
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    return check()


def register(rpc, unique, type_code="temp_probe", login="store1", **values):
    """A new device of `type_code` at the store of `login`: (id, uid, site)."""
    site = rpc("res.users", "search_read", [("login", "=", login)], fields=["company_id"])[0]["company_id"][0]
    device_type = rpc("iot.device.type", "search", [("code", "=", type_code)])[0]
    uid = "t-" + uuid.uuid4().hex[:12]
    device = rpc("iot.device", "create", {"name": f"{unique} {type_code}", "uid": uid, "device_type_id": device_type,
                                          "company_id": site, **values})
    return device, uid, site


class Device:
    """One device's MQTT session: `status`, `tele`, `evt`, `res` under its own topics, and the
    commands it receives (`commands`, in order)."""

    def __init__(self, uid, site, password, protocol=mqtt.MQTTv311, client_id=None):
        self.uid, self.site, self.password, self.protocol = uid, site, password, protocol
        self.client_id = client_id or uid
        self.prefix = f"cs/v1/{site}/{uid}/"
        self.commands = []
        self.connected = threading.Event()
        self.refused = None
        self.client = None

    def connect(self, seconds=15, will=True, answer=None):
        """Connects (retrying while the broker has not loaded the new credential yet); with
        `answer`, commands are answered by calling it with each command body."""
        deadline = time.time() + seconds
        while True:
            self.connected.clear()
            self.refused = None
            client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=self.client_id, protocol=self.protocol)
            client.username_pw_set(self.uid, self.password)
            if will:
                client.will_set(self.prefix + "status", json.dumps({"v": 1, "state": "offline", "reason": "lwt"}), qos=1, retain=True)
            client.on_connect = self._on_connect
            client.on_message = self._on_message
            self.answer = answer
            client.connect("127.0.0.1", PORT, keepalive=30)
            client.loop_start()
            for _ in range(50):
                if self.connected.is_set() or self.refused is not None:
                    break
                time.sleep(0.05)
            if self.connected.is_set():
                self.client = client
                return self
            client.loop_stop()
            client.disconnect()
            if time.time() > deadline:
                raise AssertionError(f"device {self.uid} could not connect: {self.refused}")
            time.sleep(0.3)

    def _on_connect(self, client, userdata, flags, reason_code, properties):
        if reason_code.is_failure:
            self.refused = str(reason_code)
            return
        client.subscribe(self.prefix + "cmd/#", qos=1)
        self.connected.set()

    def _on_message(self, client, userdata, message):
        body = json.loads(message.payload)
        self.commands.append(body)
        if self.answer:
            self.answer(self, body)

    def publish(self, suffix, body, qos=1, retain=False, topic=None, wait=True):
        """Publishes; `wait` for the broker's acknowledgement (never from an `answer` callback,
        which runs on the network thread that receives it)."""
        payload = body if isinstance(body, (bytes, bytearray)) else json.dumps(body)
        info = self.client.publish(topic or (self.prefix + suffix), payload, qos=qos, retain=retain)
        if wait:
            info.wait_for_publish(5)
        return info

    def birth(self):
        return self.publish("status", {"v": 1, "seq": 1, "state": "online", "fw": "1.0.0"}, retain=True)

    def respond(self, cmd_id, stage, ok=True, wait=True, **extra):
        return self.publish("res", {"v": 1, "cmd_id": cmd_id, "stage": stage, "ok": ok, **extra}, wait=wait)

    def drop(self):
        """The connection dies without DISCONNECT: the broker publishes the will."""
        import socket
        self.client.loop_stop()
        self.client.socket().shutdown(socket.SHUT_RDWR)
        self.client.socket().close()

    def close(self, clear_status=True):
        if self.client is None:
            return
        if clear_status:
            self.publish("status", b"", retain=True)
        self.client.disconnect()
        self.client.loop_stop()


def refused(uid, site, password):
    """Whether the broker refuses this device's sign-in (one try)."""
    try:
        Device(uid, site, password).connect(seconds=0).close(clear_status=False)
        return False
    except AssertionError:
        return True


def online(rpc, unique, type_code="temp_probe", login="store1", answer=None, **values):
    """A registered device with a credential, connected (answering commands with `answer`) and
    born: (Device, id)."""
    device, uid, site = register(rpc, unique, type_code, login, **values)
    credential = rpc("iot.device", "issue_credential", [device])
    assert credential["username"] == uid and len(credential["password"]) >= 40
    sim = Device(uid, site, credential["password"]).connect(answer=answer)
    sim.birth()
    assert wait_for(lambda: rpc("iot.device", "read", [device], ["online"])[0]["online"])
    return sim, device


def notifications(url, db, site):
    """Everything announced on site `site`'s IoT bus channel, as the administrator hears it:
    [(type, payload)]."""
    import base64
    import urllib.request
    from conftest import ADMIN_PASSWORD
    body = json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1,
                       "params": {"channels": [json.dumps(["res.company", site, "iot"])], "last": 0, "is_first_poll": True}}).encode()
    request = urllib.request.Request(url + "/websocket/peek_notifications?db=" + db, data=body, headers={
        "Content-Type": "application/json", "Authorization": "Basic " + base64.b64encode(f"admin:{ADMIN_PASSWORD}".encode()).decode()})
    with urllib.request.urlopen(request, timeout=10) as response:
        notes = json.loads(response.read())["result"]["notifications"]
    return [(note["message"]["type"], note["message"]["payload"]) for note in notes]
