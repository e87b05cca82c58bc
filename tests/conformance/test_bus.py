"""The bus through Odoo 17's client protocol, driven by an independent WebSocket client
(websocket-client): sign-in on the upgrade, subscribe with `last`, notifications written by the
change that causes them, catch-up after a reconnect, channel rights, bad frames refused."""
import base64
import json
import time
import urllib.error
import urllib.request
import xmlrpc.client

import pytest
import websocket

from conftest import ADMIN_PASSWORD


def basic(login, password):
    return "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()


@pytest.fixture
def rpc(url, db):
    models = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/object")
    return lambda model, method, *args, uid=2, password=ADMIN_PASSWORD: models.execute_kw(db, uid, password, model, method, *args)


@pytest.fixture
def ws_url(url):
    return url.replace("http://", "ws://") + "/websocket"


def connect(ws_url, login="admin", password=ADMIN_PASSWORD):
    return websocket.create_connection(ws_url, header=[f"Authorization: {basic(login, password)}"], timeout=10)


def subscribe(socket, channels, last):
    socket.send(json.dumps({"event_name": "subscribe", "data": {"channels": channels, "last": last}}))


def wait_for(socket, predicate, seconds=10):
    deadline = time.time() + seconds
    while time.time() < deadline:
        socket.settimeout(max(0.1, deadline - time.time()))
        try:
            frame = socket.recv()
        except websocket.WebSocketTimeoutException:
            break
        for note in json.loads(frame):
            if predicate(note):
                return note
    return None


def post(url, path, body, login, password):
    request = urllib.request.Request(url + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", "Authorization": basic(login, password)})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


@pytest.fixture
def variant(rpc, unique):
    template = rpc("product.template", "create", [{"name": "bus " + unique, "list_price": 3}])
    return rpc("product.product", "search", [[["product_tmpl_id", "=", template]]])[0]


def rename(rpc, variant, code):
    rpc("product.product", "write", [[variant], {"default_code": code[:30]}])
    return variant


def changed(product):
    return lambda note: note["message"]["type"] == "product.catalogue/changed" and product in note["message"]["payload"]["product_ids"]


def test_health_and_sign_in_on_the_upgrade(url, ws_url):
    with urllib.request.urlopen(url + "/websocket/health", timeout=5) as response:
        assert json.loads(response.read()) == {"status": "pass"}
    # A socket without a valid sign-in is closed at once with 1008; a plain GET is a 401.
    for header in ([], [f"Authorization: {basic('admin', 'wrong')}"]):
        socket = websocket.create_connection(ws_url, header=header, timeout=5)
        opcode, data = socket.recv_data(control_frame=True)
        assert opcode == websocket.ABNF.OPCODE_CLOSE and int.from_bytes(data[:2], "big") == 1008
    with pytest.raises(urllib.error.HTTPError) as plain:
        urllib.request.urlopen(url + "/websocket", timeout=5)
    assert plain.value.code == 401


def test_a_catalogue_change_reaches_a_subscribed_socket_and_a_reconnect_catches_up(rpc, ws_url, unique, variant):
    socket = connect(ws_url)
    subscribe(socket, [], 0)
    time.sleep(0.3)
    started = time.time()
    product = rename(rpc, variant, unique)
    note = wait_for(socket, changed(product))
    assert note is not None, "no notification within 10 s"
    assert time.time() - started < 5
    assert note["message"]["payload"]["version"] > 0 and isinstance(note["id"], int)
    socket.close()
    # Away while another change commits: back with the last id seen, nothing is missed.
    second = rename(rpc, variant, unique[::-1])
    again = connect(ws_url)
    subscribe(again, [], note["id"])
    caught = wait_for(again, lambda n: changed(second)(n) and n["id"] > note["id"])
    assert caught is not None
    again.close()


def test_long_polling_and_peek_follow_the_same_rows(url, rpc, unique, variant):
    quiet = post(url, "/longpolling/poll", {"jsonrpc": "2.0", "id": 1, "params": {"channels": [], "last": 2 ** 40, "timeout": 1}},
                 "admin", ADMIN_PASSWORD)
    assert quiet["result"] == []
    product = rename(rpc, variant, unique)
    peek = post(url, "/websocket/peek_notifications", {"jsonrpc": "2.0", "id": 2, "params": {"channels": [], "last": 0, "is_first_poll": True}},
                "admin", ADMIN_PASSWORD)["result"]
    assert any(changed(product)(n) for n in peek["notifications"])
    last = max(n["id"] for n in peek["notifications"])
    answer = post(url, "/longpolling/poll", {"jsonrpc": "2.0", "id": 3, "params": {"channels": [], "last": last, "timeout": 20}},
                  "admin", ADMIN_PASSWORD)
    assert answer["result"] == []  # nothing after `last` within... the caller asked only 20 s; no change happened
    # A change during the wait ends it with that change.
    import threading
    result = {}
    waiter = threading.Thread(target=lambda: result.update(post(
        url, "/longpolling/poll", {"jsonrpc": "2.0", "id": 4, "params": {"channels": [], "last": last, "timeout": 30}}, "admin", ADMIN_PASSWORD)))
    waiter.start()
    time.sleep(0.5)
    later = rename(rpc, variant, unique + "x")
    waiter.join(35)
    assert any(changed(later)(n) for n in result["result"])


def test_a_cashier_is_granted_its_own_stores_records_only(url, db, rpc, unique):
    common = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/common")
    uid = common.authenticate(db, "store1", "store1", {})
    own = rpc("res.partner", "create", [{"name": unique}], uid=uid, password="store1")
    foreign = None
    for company in rpc("res.company", "search", [[]]):
        candidate = rpc("res.partner", "create", [{"name": unique + " elsewhere", "company_id": company}])
        if rpc("res.partner", "search_count", [[["id", "=", candidate]]], uid=uid, password="store1") == 0:
            foreign = candidate
            break
        rpc("res.partner", "unlink", [[candidate]])
    assert foreign, "the demo has a company the cashier cannot see"
    mine, theirs = json.dumps([db, "res.partner", own]), json.dumps([db, "res.partner", foreign])
    granted = post(url, "/websocket/peek_notifications",
                   {"jsonrpc": "2.0", "id": 1, "params": {"channels": [mine, theirs], "last": 0}}, "store1", "store1")["result"]["channels"]
    assert json.dumps([db, "res.partner", own], separators=(",", ":")) in granted
    assert json.dumps([db, "res.partner", foreign], separators=(",", ":")) not in granted
    assert json.dumps([db, "broadcast"], separators=(",", ":")) in granted


def test_bad_frames_are_refused_cleanly(ws_url):
    socket = connect(ws_url)
    socket.send("not json")
    opcode, data = socket.recv_data(control_frame=True)
    assert opcode == websocket.ABNF.OPCODE_CLOSE and int.from_bytes(data[:2], "big") == 1003
    # Over 1 MiB: refused with 1009 (or the connection dropped before the client finished sending).
    socket = connect(ws_url)
    try:
        socket.send(json.dumps({"event_name": "subscribe", "data": {"channels": ["x" * (1 << 20)], "last": 0}}))
        opcode, data = socket.recv_data(control_frame=True)
        assert opcode == websocket.ABNF.OPCODE_CLOSE and int.from_bytes(data[:2], "big") == 1009
    except (ConnectionResetError, BrokenPipeError, websocket.WebSocketConnectionClosedException):
        pass
    # The node is unharmed: the next client subscribes and is answered.
    socket = connect(ws_url)
    subscribe(socket, [], 2 ** 40)
    socket.send(json.dumps({"event_name": "update_presence", "data": {"inactivity_period": 1000}}))
    socket.settimeout(0.5)
    with pytest.raises(websocket.WebSocketTimeoutException):
        socket.recv()
    socket.close()
    socket = connect(ws_url)
    socket.send(json.dumps({"data": {}}))
    opcode, data = socket.recv_data(control_frame=True)
    assert opcode == websocket.ABNF.OPCODE_CLOSE and int.from_bytes(data[:2], "big") == 1003
