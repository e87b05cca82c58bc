"""POS sync under faults (a program, not a test): simulated tills push paid orders through a proxy
that drops requests and answers at random, while the node is killed (SIGKILL) and restarted;
then every order the tills made is looked up on the server. Prints the figures: orders made,
stored, lost, duplicated, kept for review, requests dropped, restarts.

Each till works as /pos does: an order gets its key (a UUID) when it is made and stays in the
till's outbox until the server answered for it (created, duplicate or rejected); a push that got
no answer (dropped request, dropped answer, node down) is sent again, as is.

Usage: faults.py CHAINSTORE_BIN DATA_DIR PORT TILLS_FILE ORDERS [TILL_THREADS]
(the node is started by this program on DATA_DIR, already set up with bench/pos/setup.py)
"""
import base64
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
import xmlrpc.client

binary, data, port, tills_file, target = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
threads = int(sys.argv[6]) if len(sys.argv) > 6 else 32
proxy_port = port + 1
DROP_REQUEST, DROP_ANSWER, RESTART_EVERY = 0.05, 0.05, 12.0
password = os.environ.get("CHAINSTORE_ADMIN_PASSWORD", "admin")
CASHIER = os.environ.get("CASHIER", "store1:store1")   # the tills' store's cashier
run = uuid.uuid4().hex[:8]

tills = []
for row in open(tills_file):
    session, cash, company, *products = row.split()
    tills.append({"session": int(session), "cash": int(cash), "company": int(company),
                  "products": [(int(p.split(":")[0]), float(p.split(":")[1])) for p in products]})

stats = {"dropped_requests": 0, "dropped_answers": 0, "restarts": 0, "pushes": 0, "failed_pushes": 0, "rejected": 0}
lock = threading.Lock()
node = {"process": None}


def start_node():
    log = open(data + ".faults.log", "ab")
    node["process"] = subprocess.Popen([binary, "serve", "--demo", "--data-dir", data, "--port", str(port)], stdout=log, stderr=log)
    for _ in range(600):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"GET /health/ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                if b" 200 " in s.recv(100):
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("the node did not start")


def restarter(stop):
    while not stop.wait(RESTART_EVERY):
        node["process"].send_signal(signal.SIGKILL)
        node["process"].wait()
        with lock:
            stats["restarts"] += 1
        start_node()


def read_request(conn):
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        head += chunk
    header, _, body = head.partition(b"\r\n\r\n")
    length = 0
    for line in header.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        body += chunk
    return header, body


def proxy_one(conn):
    """One request per connection: dropped before the node sees it, or its answer dropped after."""
    with conn:
        request = read_request(conn)
        if request is None:
            return
        if random.random() < DROP_REQUEST:
            with lock:
                stats["dropped_requests"] += 1
            return
        header, body = request
        try:
            upstream = socket.create_connection(("127.0.0.1", port), timeout=60)
        except OSError:
            return
        with upstream:
            lines = [line for line in header.split(b"\r\n") if not line.lower().startswith(b"connection:")]
            upstream.sendall(b"\r\n".join(lines) + b"\r\nConnection: close\r\n\r\n" + body)
            answer = b""
            try:
                while True:
                    chunk = upstream.recv(65536)
                    if not chunk:
                        break
                    answer += chunk
            except OSError:
                return
        if random.random() < DROP_ANSWER:
            with lock:
                stats["dropped_answers"] += 1
            return
        try:
            conn.sendall(answer)
        except OSError:
            pass


def proxy(stop):
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", proxy_port))
    server.listen(256)
    server.settimeout(0.5)
    while not stop.is_set():
        try:
            conn, _ = server.accept()
        except socket.timeout:
            continue
        threading.Thread(target=proxy_one, args=(conn,), daemon=True).start()


made = []           # every order key a till made
made_lock = threading.Lock()
counter = {"n": 0}


def new_order(till):
    key = "%s-%s" % (run, uuid.uuid4())
    lines = random.sample(till["products"], random.randint(1, min(3, len(till["products"]))))
    total = round(sum(price for _, price in lines), 2)
    return key, {"data": {
        "uid": key[-14:], "pos_session_id": till["session"], "order_uuid": key, "access_token": key,
        "amount_total": total, "amount_paid": total, "amount_return": 0,
        "lines": [[0, 0, {"uuid": "%s-%d" % (key, i), "product_id": p, "qty": 1, "price_unit": price, "price_subtotal_incl": price}]
                  for i, (p, price) in enumerate(lines)],
        "statement_ids": [[0, 0, {"payment_method_id": till["cash"], "amount": total}]]}}


def till_worker(index):
    till = tills[index % len(tills)]
    outbox = {}
    auth = "Basic " + base64.b64encode(CASHIER.encode()).decode()
    while True:
        with made_lock:
            if counter["n"] < target:
                counter["n"] += 1
                key, order = new_order(till)
                made.append(key)
                outbox[key] = order
            elif not outbox:
                return
        batch = list(outbox.items())[:20]
        body = json.dumps({"device_id": "faults-%d" % index, "pending": len(outbox) - len(batch),
                           "orders": [order for _, order in batch]})
        try:
            conn = http.client.HTTPConnection("127.0.0.1", proxy_port, timeout=60)
            conn.request("POST", "/api/v1/pos/orders?db=demo", body, {"Content-Type": "application/json", "Authorization": auth})
            response = conn.getresponse()
            text = response.read()
            conn.close()
            with lock:
                stats["pushes"] += 1
            if response.status != 200:
                raise OSError("HTTP %d" % response.status)
            results = json.loads(text)["results"]
        except (OSError, http.client.HTTPException, ValueError):
            with lock:
                stats["failed_pushes"] += 1
            time.sleep(0.2)
            continue
        for (key, _), result in zip(batch, results):
            if result.get("status") in ("created", "duplicate", "rejected"):
                outbox.pop(key, None)
                if result["status"] == "rejected":
                    with lock:
                        stats["rejected"] += 1
                    print("rejected:", result.get("error"), file=sys.stderr)


start_node()
stop = threading.Event()
threading.Thread(target=proxy, args=(stop,), daemon=True).start()
restarts = threading.Thread(target=restarter, args=(stop,), daemon=True)
restarts.start()
started = time.time()
workers = [threading.Thread(target=till_worker, args=(i,)) for i in range(threads)]
for worker in workers:
    worker.start()
for worker in workers:
    worker.join()
elapsed = time.time() - started
stop.set()
restarts.join()

models = xmlrpc.client.ServerProxy("http://127.0.0.1:%d/xmlrpc/2/object" % port)
stored = []
offset = 0
while True:
    page = models.execute_kw("demo", 2, password, "pos.order", "search_read", [[["access_token", "like", run + "-"]]],
                             {"fields": ["access_token"], "offset": offset, "limit": 5000, "order": "id"})
    stored += [row["access_token"] for row in page]
    offset += len(page)
    if len(page) < 5000:
        break
review = models.execute_kw("demo", 2, password, "pos.order.conflict", "search_count", [[["access_token", "like", run + "-"]]])
made_set, stored_set = set(made), set(stored)
print("orders made by %d tills: %d in %.0f s (%.0f/s) through %d pushes, %d of them without an answer"
      % (threads, len(made), elapsed, len(made) / elapsed, stats["pushes"], stats["failed_pushes"]))
print("faults: %d requests dropped, %d answers dropped, %d node restarts (SIGKILL)"
      % (stats["dropped_requests"], stats["dropped_answers"], stats["restarts"]))
print("stored: %d; lost: %d; duplicated: %d; stored but never made: %d; refused: %d; kept for review: %d"
      % (len(stored), len(made_set - stored_set), len(stored) - len(stored_set), len(stored_set - made_set), stats["rejected"], review))
node["process"].send_signal(signal.SIGTERM)
node["process"].wait()
