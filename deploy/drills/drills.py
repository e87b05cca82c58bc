#!/usr/bin/env python3
"""Failure drills against the lab (deploy/lab up): each breaks one part under load, prints what it
measured, and fails (exit 1) on a violation. Standard library only.

    python3 deploy/drills/drills.py [app-node primary sync-cancel cron bus pitr]   (default: all)
"""
import base64
import hashlib
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
import xmlrpc.client

HERE = os.path.dirname(os.path.abspath(__file__))
DEPLOY = os.path.dirname(HERE)
BASE = int(os.environ.get("LAB_BASE", "26400"))
LAB_DIR = os.environ.get("LAB_DIR", "/tmp/chainstore-lab")
URL = "http://127.0.0.1:%d" % BASE
DB = "demo"
PG_BIN = os.environ.get("PG_BIN") or sorted(
    (os.path.join("/usr/lib/postgresql", v, "bin") for v in os.listdir("/usr/lib/postgresql")),
    key=lambda p: [int(x) for x in p.split("/")[-2].split(".")])[-1]
PORTS = {"pg1": BASE + 11, "pg2": BASE + 12, "pg3": BASE + 14, "rw": BASE + 20}
ADMIN = ("admin", "admin")
STORE = ("store1", "store1")


def lab(*args):
    subprocess.run([os.path.join(DEPLOY, "lab")] + list(args), check=True, stdout=subprocess.DEVNULL)


def psql(port, sql, db=DB):
    out = subprocess.run([os.path.join(PG_BIN, "psql"), "-X", "-At", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", db,
                          "-v", "ON_ERROR_STOP=1", "-c", sql], check=True, capture_output=True, text=True, timeout=30)
    return out.stdout.strip()


def primary():
    for name in ("pg1", "pg2"):
        try:
            if psql(PORTS[name], "SELECT pg_is_in_recovery()", db="postgres") == "f":
                return name
        except subprocess.SubprocessError:
            pass
    raise RuntimeError("no primary")


def request(method, path, body=None, auth=STORE, timeout=10):
    """(status, parsed JSON or None); a connection that fails is status 0, an answer cut off -1."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(URL + path, data=data, method=method, headers={"Content-Type": "application/json"})
    req.add_header("Authorization", "Basic " + base64.b64encode(("%s:%s" % auth).encode()).decode())
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        try:
            return error.code, json.loads(error.read() or b"null")
        except ValueError:
            return error.code, None
    except http.client.HTTPException:
        return -1, None  # the answer was cut after it began (its node died while sending it)
    except (OSError, ValueError):
        return 0, None


def rpc():
    uid = xmlrpc.client.ServerProxy(URL + "/xmlrpc/2/common").authenticate(DB, *ADMIN, {})
    models = xmlrpc.client.ServerProxy(URL + "/xmlrpc/2/object")
    return lambda model, method, *args: models.execute_kw(DB, uid, ADMIN[1], model, method, *args)


def gtin13(first12):
    """The 12 digits with their GS1 check digit."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first12))
    return first12 + str((10 - total % 10) % 10)


class Till:
    """A till of store1's store with an open session and a product, selling through the till API."""

    def __init__(self, name):
        call = rpc()
        store = call("res.users", "search_read", [[["login", "=", STORE[0]]]], {"fields": ["company_id"]})[0]["company_id"][0]
        if not call("stock.warehouse", "search", [[["company_id", "=", store]]]):
            call("stock.warehouse", "create", [{"name": "Drill %d" % store, "code": "D%d" % store, "company_id": store}])
        self.cash = call("pos.payment.method", "create", [{"name": "现金 " + name, "type": "cash", "company_id": store}])
        till = call("pos.config", "create", [{"name": name, "company_id": store, "payment_method_ids": [(6, 0, [self.cash])]}])
        template = call("product.template", "create", [{"name": "演练 " + name, "list_price": 5.0, "type": "product",
                                                         "barcode": gtin13("69%010d" % (int(time.time() * 1000) % 10 ** 10))}])
        self.product = call("product.product", "search", [[["product_tmpl_id", "=", template]]])[0]
        self.barcode = call("product.product", "read", [[self.product], ["barcode"]])[0]["barcode"]
        status, opened = request("POST", "/api/v1/pos/open?db=" + DB, {"config_id": till})
        assert status == 200, (status, opened)
        self.session = opened["session"]["id"]
        self.device = "drill-" + name

    def order(self, key):
        return {"data": {"uid": key[:20], "pos_session_id": self.session, "order_uuid": key, "amount_total": 5.0, "amount_paid": 5.0,
                         "amount_return": 0, "lines": [[0, 0, {"product_id": self.product, "qty": 1, "price_unit": 5.0, "price_subtotal_incl": 5.0}]],
                         "statement_ids": [[0, 0, {"payment_method_id": self.cash, "amount": 5.0}]]}}

    def sell(self, key):
        """One attempt: 'ok' when the server holds the order, else the failure's kind."""
        status, answer = request("POST", "/api/v1/pos/orders?db=" + DB, {"device_id": self.device, "pending": 0, "orders": [self.order(key)]})
        if status == 200 and answer["results"][0]["status"] in ("created", "duplicate"):
            return "ok"
        return "http %d %s" % (status, (answer or {}).get("error") or (answer or {}).get("results", [{}])[0].get("status", ""))

    def stored(self):
        """The order uuids the database holds for this session, read on the primary."""
        rows = psql(PORTS[primary()], "SELECT access_token FROM pos_order WHERE session_id = %d" % self.session)
        return rows.split("\n") if rows else []


class Sellers:
    """Threads selling one order after another; each order is retried with its key until held."""

    def __init__(self, till, threads=4):
        self.till, self.stop, self.lock = till, threading.Event(), threading.Lock()
        self.acknowledged, self.failures, self.success_times = [], [], []
        self.threads = [threading.Thread(target=self.run, daemon=True) for _ in range(threads)]

    def run(self):
        while not self.stop.is_set():
            key = str(uuid.uuid4())
            while True:
                started = time.monotonic()
                result = self.till.sell(key)
                now = time.monotonic()
                with self.lock:
                    if result == "ok":
                        self.acknowledged.append(key)
                        self.success_times.append((started, now))
                        break
                    self.failures.append((now, result))
                time.sleep(0.05)

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=120)

    def outage(self, after):
        """From `after` (the fault) to the first sale both sent and acknowledged after it."""
        later = [end for start, end in self.success_times if start > after]
        return min(later) - after if later else float("inf")

    def slow(self):
        """Attempts that hung until the till's own timeout (a failed attempt reported late)."""
        return sum(1 for _, kind in self.failures if kind.startswith("http 0"))


def check(results, name, ok, text):
    results.append((name, ok, text))
    print("  %s %s" % ("PASS" if ok else "FAIL", text), flush=True)


def api_metric(prefix, label=""):
    """The web/API nodes' metric lines that start with `prefix` (and hold `label`), summed."""
    total = 0
    for port in (BASE + 1, BASE + 2):
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=5) as response:
                text = response.read().decode()
        except OSError:
            continue
        total += sum(int(float(line.rsplit(" ", 1)[1])) for line in text.splitlines() if line.startswith(prefix) and label in line)
    return total


def replica_reads():
    """Reads the web/API nodes have sent to any replica."""
    return api_metric("chainstore_db_reads_total{", 'target="replica"')


def replica_served(name):
    """Reads the web/API nodes have sent to their replica `name` (the n-th --replica-url)."""
    return api_metric('chainstore_replica_reads_total{replica="%s"}' % name)


def lagging_replica_skipped(results, call, reads):
    """pg3, the asynchronous replica, falls behind (its replay paused while the primary writes):
    the nodes read elsewhere until it has caught up."""
    psql(PORTS["pg3"], "SELECT pg_wal_replay_pause()")
    try:
        for n in range(5):
            call("res.partner", "create", [{"name": "lag %d" % n}])
        time.sleep(2.5)
        before = replica_reads(), replica_served("replica2")
        failed = reads(5)
        served, by_pg3 = replica_reads() - before[0], replica_served("replica2") - before[1]
    finally:
        psql(PORTS["pg3"], "SELECT pg_wal_replay_resume()")
    print("  pg3 (asynchronous, the nodes' replica2) replay paused: of 20 reads, %d served by a replica, %d of them by pg3; failed: %s" % (
        served, by_pg3, failed or "none"))
    check(results, "replica", by_pg3 == 0 and not failed, "a replica lagging beyond the bound is skipped, and no read fails")
    time.sleep(1)
    before = replica_served("replica2")
    reads(5)
    print("  pg3 replaying again: %d of 20 reads served by it" % (replica_served("replica2") - before))


def drill_replica(results):
    """Reads where a moment's staleness is fine go to the standby; a caller reads its own writes
    back at once; a lagging replica is skipped; with the standby stopped, reads go on elsewhere."""
    print("replica: catalogue pages, reports and generic reads through the standby; read-your-writes; a lagging replica; the standby stopped", flush=True)
    today = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600))
    paths = ["/api/v1/catalogue?db=%s&limit=50" % DB, "/api/v1/pos/reports/sales?db=%s&from=%s&to=%s" % (DB, today, today),
             "/api/v1/stock/schedule?db=%s" % DB]
    call = rpc()

    def reads(rounds):
        failed = []
        for _ in range(rounds):
            for path in paths:
                status, _ = request("GET", path)
                if status != 200:
                    failed.append("%s: %d" % (path.split("?")[0], status))
            try:
                call("product.product", "search_read", [[]], {"fields": ["name", "list_price"], "limit": 20})
            except Exception as error:  # noqa: BLE001 (any failure is a failed read)
                failed.append("search_read: %r" % error)
        return failed

    before = replica_reads()
    failed = reads(10)
    served = replica_reads() - before
    print("  %d of 40 reads served by the standby (a login's first call on a node reads from the primary)" % served)
    check(results, "replica", not failed and served >= 20, "reads fail: %d; at least half served by the standby" % len(failed))
    stale = 0
    for n in range(20):
        created = call("res.partner", "create", [{"name": "read-your-writes %d" % n}])
        stale += 0 if call("res.partner", "search", [[["id", "=", created]]]) == [created] else 1
    check(results, "replica", stale == 0, "a record just written missing from its writer's next read: %d of 20" % stale)
    if os.path.isdir(os.path.join(LAB_DIR, "pg3")):
        lagging_replica_skipped(results, call, reads)
    standby = "pg2" if primary() == "pg1" else "pg1"
    pg_ctl(standby, "-m", "fast", "-w", "stop")
    try:
        before = replica_reads()
        failed = reads(10)
        served = replica_reads() - before
    finally:
        pg_ctl(standby, "-l", os.path.join(LAB_DIR, "log", standby + ".log"), "-w", "start")
    print("  standby %s stopped: %d of 40 reads served by a replica (another one, or this one before the nodes noticed), failed: %s" % (
        standby, served, failed or "none"))
    check(results, "replica", not failed, "reads that failed while the standby was stopped: %d" % len(failed))


def drill_app_node(results):
    """kill -9 a web/API node under sales and scans behind nginx."""
    print("app-node: kill -9 api1 under sales (4 tills' threads) and barcode scans (4 threads) through nginx", flush=True)
    till = Till("app-node-" + uuid.uuid4().hex[:6])
    scans, scan_failures, cut, stop = [0], [], [0], threading.Event()

    def scan():
        while not stop.is_set():
            status, _ = request("GET", "/api/v1/scan?db=%s&code=%s" % (DB, till.barcode))
            scans[0] += 1
            if status == -1:
                # nginx had begun passing the node's answer on when the node died: it cannot send
                # it elsewhere, and closes the connection; the client repeats the GET.
                cut[0] += 1
            elif status != 200:
                scan_failures.append(status)

    scanners = [threading.Thread(target=scan, daemon=True) for _ in range(4)]
    for thread in scanners:
        thread.start()
    with Sellers(till) as sellers:
        time.sleep(3)
        killed = time.monotonic()
        lab("node", "api1", "kill")
        time.sleep(4)
        lab("node", "api1", "start")
        time.sleep(2)
    stop.set()
    for thread in scanners:
        thread.join()
    stored = till.stored()
    print("  %d sales acknowledged (%d attempts failed and were retried with their key), %d scans, %d cut off mid-answer by the kill" % (
        len(sellers.acknowledged), len(sellers.failures), scans[0], cut[0]))
    check(results, "app-node", not scan_failures, "failed idempotent requests (scans): %d" % len(scan_failures))
    check(results, "app-node", set(sellers.acknowledged) <= set(stored), "acknowledged sales lost: %d" % len(set(sellers.acknowledged) - set(stored)))
    check(results, "app-node", len(stored) == len(set(stored)), "sales stored twice: %d" % (len(stored) - len(set(stored))))
    check(results, "app-node", len(set(stored) - set(sellers.acknowledged)) <= 4,
          "sales stored but never acknowledged (at most one in flight per thread): %d" % len(set(stored) - set(sellers.acknowledged)))
    print("  first sale sent and acknowledged after the kill: %.2f s after it; attempts that hung to the till's 10 s timeout: %d" % (
        sellers.outage(killed), sellers.slow()))


def drill_primary(results):
    """kill -9 the PostgreSQL primary during sales, promote the standby by hand."""
    old = primary()
    print("primary: kill -9 %s (the primary) during sales, then deploy/lab promote" % old, flush=True)
    till = Till("primary-" + uuid.uuid4().hex[:6])
    with Sellers(till) as sellers:
        time.sleep(3)
        pid = int(open(os.path.join(LAB_DIR, old, "postmaster.pid")).readline())
        # The node dies: its postmaster and every backend at once.
        children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
        killed = time.monotonic()
        for victim in [pid] + [int(c) for c in children]:
            try:
                os.kill(victim, 9)
            except ProcessLookupError:
                pass
        lab("promote")
        promoted = time.monotonic()
        deadline = time.monotonic() + 60
        count = len(sellers.acknowledged)
        while len(sellers.acknowledged) < count + 20 and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1)
    stored = till.stored()
    lost = set(sellers.acknowledged) - set(stored)
    outage = sellers.outage(killed)
    print("  promoted %.2f s after the kill; %d sales acknowledged, %d attempts failed and were retried" % (
        promoted - killed, len(sellers.acknowledged), len(sellers.failures)))
    kinds = {}
    for _, kind in sellers.failures:
        kinds[kind] = kinds.get(kind, 0) + 1
    print("  failures seen by the tills: %s" % (", ".join("%s × %d" % item for item in sorted(kinds.items())) or "none"))
    check(results, "primary", not lost, "acknowledged sales lost: %d" % len(lost))
    check(results, "primary", len(stored) == len(set(stored)), "sales stored twice: %d" % (len(stored) - len(set(stored))))
    print("  attempts that hung to the till's 10 s timeout: %d" % sellers.slow())
    check(results, "primary", outage < 30, "write outage (kill to the first sale sent and acknowledged after it): %.2f s" % outage)
    lab("rejoin")
    print("  %s rejoined as the synchronous standby" % old)


def pg_ctl(name, *args):
    subprocess.run(([] if os.getuid() else ["runuser", "-u", "postgres", "--"]) + [os.path.join(PG_BIN, "pg_ctl"), "-D", os.path.join(LAB_DIR, name)]
                   + list(args), check=True, stdout=subprocess.DEVNULL)


def drill_sync_cancel(results):
    """A commit waiting for a standby that is gone, then cancelled: the client hears a failure."""
    main = primary()
    standby = "pg2" if main == "pg1" else "pg1"
    print("sync-cancel: stop %s (the standby), write, cancel the wait for it" % standby, flush=True)
    call = rpc()  # signed in first: signing in writes too
    pg_ctl(standby, "-m", "fast", "-w", "stop")
    outcome = {}

    def write():
        try:
            outcome["id"] = call("res.partner", "create", [{"name": "sync-cancel " + uuid.uuid4().hex[:6]}])
        except xmlrpc.client.Fault as fault:
            outcome["fault"] = fault.faultString.strip().split("\n")[-1]
        except Exception as error:  # noqa: BLE001 (any failure counts as not acknowledged)
            outcome["fault"] = repr(error)

    try:
        writer = threading.Thread(target=write)
        writer.start()
        cancelled = 0
        deadline = time.monotonic() + 20
        while writer.is_alive() and time.monotonic() < deadline:
            time.sleep(0.3)
            cancelled += int(psql(PORTS[main], "SELECT count(*) FILTER (WHERE pg_cancel_backend(pid)) FROM pg_stat_activity WHERE wait_event = 'SyncRep'") or 0)
        writer.join(timeout=10)
    finally:
        pg_ctl(standby, "-l", os.path.join(LAB_DIR, "log", standby + ".log"), "-w", "start")
    print("  waits cancelled: %d; the client heard: %s" % (cancelled, outcome.get("fault") or "success, id %s" % outcome.get("id")))
    check(results, "sync-cancel", cancelled > 0 and "fault" in outcome and "id" not in outcome,
          "a cancelled wait for the synchronous standby is reported as a failure, not success")


def cron_runs(port):
    """A cron node's finished runs by job (its /metrics), or None when it does not answer."""
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=5) as response:
            text = response.read().decode()
    except OSError:
        return None
    runs = {}
    for line in text.splitlines():
        if line.startswith("chainstore_cron_runs_total{") and 'outcome="done"' in line:
            job = line.split('job="')[1].split('"')[0]
            runs[job] = runs.get(job, 0) + int(float(line.rsplit(" ", 1)[1]))
    return runs


def cron_diagnosis(port):
    """What the cron nodes were doing when a job did not run: the job's row, the nodes' sessions
    that were not idle, and the warnings in their logs."""
    print("  base.audit_seal now: %s" % psql(port, "SELECT format('failures %s, due in %s s, lease %s for %s s more, last error %s', failure_count, "
          "round(extract(epoch FROM nextcall - now())), coalesce(lease_owner, '-'), round(extract(epoch FROM lease_until - now())), "
          "coalesce(left(last_error, 200), '-')) FROM ir_cron WHERE code = 'base.audit_seal'"))
    sessions = psql(port, "SELECT format('%s %s %s/%s for %s s: %s', application_name, state, coalesce(wait_event_type, '-'), "
                    "coalesce(wait_event, '-'), round(extract(epoch FROM now() - state_change)), left(regexp_replace(query, '\\s+', ' ', 'g'), 120)) "
                    "FROM pg_stat_activity WHERE application_name LIKE 'chainstore:%' AND state <> 'idle' ORDER BY application_name", db="postgres")
    print("  the nodes' sessions that were not idle:\n%s" % "\n".join("    " + line for line in (sessions or "none").splitlines()))
    for name in ("cron1", "cron2"):
        try:
            pid = open(os.path.join(LAB_DIR, "run", name + ".pid")).read().strip()
            lines = open(os.path.join(LAB_DIR, "log", name + ".log"), errors="replace").read().splitlines()
        except OSError:
            continue
        warnings = [line for line in lines if "warning" in line or "error" in line][-8:]
        print("  %s (pid %s), its last warnings:\n%s" % (name, pid, "\n".join("    " + line[:300] for line in warnings) or "    none"))


def drill_cron(results):
    """Two cron nodes; one killed mid-way: jobs go on on the other, the audit chain (sealed every
    second by whichever node holds the job) stays whole, and no job is left without a runner."""
    print("cron: two cron nodes sealing the audit chain (a 1-second job) under writes; kill -9 cron1", flush=True)
    call = rpc()
    port = PORTS[primary()]
    cron1, cron2 = BASE + 5, BASE + 6
    before = (cron_runs(cron1) or {}).get("base.audit_seal", 0), (cron_runs(cron2) or {}).get("base.audit_seal", 0)
    for n in range(20):
        call("res.partner", "create", [{"name": "cron drill %d" % n}])
        time.sleep(0.1)
    middle = (cron_runs(cron1) or {}).get("base.audit_seal", 0), (cron_runs(cron2) or {}).get("base.audit_seal", 0)
    lab("node", "cron1", "kill")
    for n in range(20):
        call("res.partner", "create", [{"name": "cron drill after %d" % n}])
        time.sleep(0.1)
    time.sleep(2)
    after = (cron_runs(cron2) or {}).get("base.audit_seal", 0)
    lab("node", "cron1", "start")
    stuck = psql(port, "SELECT count(*) FROM ir_cron WHERE active AND nextcall < now() - interval '30 seconds'")
    bin_ = os.environ.get("CHAINSTORE_BIN") or os.path.join(os.path.dirname(DEPLOY), ".build", "debug", "chainstore")
    url = "postgres://chainstore:chainstore-lab@127.0.0.1:%d/%s" % (PORTS["rw"], DB)
    verify = subprocess.run([bin_, "audit", "verify", "--database-url", url, "--database", DB], capture_output=True, text=True)
    print("  audit seals run: cron1 %d, cron2 %d before the kill; cron2 %d after it" % (
        middle[0] - before[0], middle[1] - before[1], after - middle[1]))
    if not (middle[0] > before[0] or middle[1] > before[1]) or after <= middle[1] + 1:
        cron_diagnosis(port)
    check(results, "cron", middle[0] > before[0] or middle[1] > before[1], "the 1-second job ran before the kill")
    check(results, "cron", after > middle[1] + 1, "the 1-second job ran on the surviving node after the kill")
    check(results, "cron", stuck == "0", "jobs overdue by more than 30 s: %s" % stuck)
    check(results, "cron", verify.returncode == 0 and "chain intact" in verify.stdout, "the audit chain sealed by both nodes verifies")


class WebSocket:
    """Just enough of RFC 6455 for a drill: the upgrade through nginx, masked text frames out,
    the server's frames in (pings answered)."""

    def __init__(self, path, auth):
        self.sock = socket.create_connection(("127.0.0.1", BASE), timeout=60)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                           "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\nAuthorization: Basic %s\r\n\r\n" % (
                               path, BASE, key, base64.b64encode(("%s:%s" % auth).encode()).decode())).encode())
        self.buffer = b""
        while b"\r\n\r\n" not in self.buffer:
            self.buffer += self.recv()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        accept = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
        if b" 101 " not in head.split(b"\r\n")[0] or accept.encode() not in head:
            raise ConnectionError("upgrade refused: %s" % head.split(b"\r\n")[0].decode())

    def recv(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("the socket was closed")
        return chunk

    def take(self, count):
        while len(self.buffer) < count:
            self.buffer += self.recv()
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    def frame(self, opcode, payload):
        mask, size = os.urandom(4), len(payload)
        length = bytes([0x80 | size]) if size < 126 else bytes([0x80 | 126]) + size.to_bytes(2, "big") if size < 65536 \
            else bytes([0x80 | 127]) + size.to_bytes(8, "big")
        self.sock.sendall(bytes([0x80 | opcode]) + length + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def send(self, value):
        self.frame(0x1, json.dumps(value).encode())

    def receive(self):
        """The next message, parsed; ConnectionError when the socket ends."""
        message = b""
        while True:
            first, second = self.take(2)
            size = second & 0x7F
            if size >= 126:
                size = int.from_bytes(self.take(2 if size == 126 else 8), "big")
            payload = self.take(size)
            opcode = first & 0x0F
            if opcode == 0x9:
                self.frame(0xA, payload)
            elif opcode == 0x8:
                raise ConnectionError("closed by the server (%d)" % int.from_bytes(payload[:2] or b"\0\0", "big"))
            elif opcode in (0x0, 0x1):
                message += payload
                if first & 0x80:
                    return json.loads(message)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def drill_bus(results):
    """A WebSocket client and a long-polling client through nginx while the bus node each uses is
    killed: each reconnects from the last notification it had, and misses nothing."""
    print("bus: a WebSocket and a long-polling client through nginx, kill -9 bus1 and bus2 in turn while the catalogue changes", flush=True)
    call = rpc()
    port = PORTS[primary()]
    start = int(psql(port, "SELECT coalesce(max(id), 0) FROM bus_bus"))
    received, stop, errors = set(), threading.Event(), [0]
    by_socket, reconnects, sockets = set(), [0], []

    def listen():
        last = start
        while not stop.is_set():
            try:
                ws = WebSocket("/websocket?db=%s" % DB, ADMIN)
                sockets.append(ws)
                ws.send({"event_name": "subscribe", "data": {"channels": ["broadcast"], "last": last}})
                while not stop.is_set():
                    for message in ws.receive():
                        by_socket.add(message["id"])
                        last = max(last, message["id"])
            except (OSError, ValueError):
                if not stop.is_set():
                    reconnects[0] += 1
                    time.sleep(0.2)

    def poll():
        last = start
        while not stop.is_set():
            status, answer = request("POST", "/longpolling/poll", {"jsonrpc": "2.0", "method": "call", "params": {"channels": ["broadcast"], "last": last}},
                                     auth=ADMIN, timeout=60)
            if status != 200 or not isinstance(answer, dict) or "result" not in answer:
                errors[0] += 1
                time.sleep(0.2)
                continue
            for message in answer["result"]:
                received.add(message["id"])
                last = max(last, message["id"])

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    template = call("product.template", "create", [{"name": "bus drill", "list_price": 1.0}])
    for victim in ("bus1", "bus2"):
        for n in range(10):
            call("product.template", "write", [[template], {"list_price": 1.0 + n / 100}])
            time.sleep(0.1)
        lab("node", victim, "kill")
        for n in range(10):
            call("product.template", "write", [[template], {"list_price": 2.0 + n / 100}])
            time.sleep(0.1)
        lab("node", victim, "start")
    # What was sent by now (later notifications, from jobs, are not this drill's to count), then
    # up to 10 s for the client to have it all.
    sent = {int(i) for i in psql(port, "SELECT id FROM bus_bus WHERE id > %d AND channel = '[\"%s\",\"broadcast\"]'" % (start, DB)).split("\n") if i}
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and (sent - received or sent - by_socket):
        time.sleep(0.2)
    stop.set()
    for ws in sockets:
        ws.close()
    missed, missed_by_socket = sent - received, sent - by_socket
    print("  notifications: %d sent; long-polling received %d (%d polls failed and were repeated); the WebSocket received %d (%d reconnections)" % (
        len(sent), len(received & sent), errors[0], len(by_socket & sent), reconnects[0]))
    if missed or missed_by_socket:
        print("  missed: long-polling %s, the WebSocket %s" % (sorted(missed), sorted(missed_by_socket)))
    check(results, "bus", sent and not missed, "notifications missed by long-polling: %d" % len(missed))
    check(results, "bus", sent and not missed_by_socket and reconnects[0] >= 1,
          "notifications missed by the WebSocket: %d (it reconnected after the kill of its node)" % len(missed_by_socket))


def drill_pitr(results):
    """A base backup, then writes, a mistake, and a restore to the moment before it: exactly what
    was committed then."""
    print("pitr: chainstore backup, 20 partners (A), time T, 20 more (B), A deleted; chainstore restore --to T", flush=True)
    bin_ = os.environ.get("CHAINSTORE_BIN") or os.path.join(os.path.dirname(DEPLOY), ".build", "debug", "chainstore")
    superuser = "postgres://postgres@127.0.0.1:%d/%s" % (PORTS["rw"], DB)
    folders = ["--backup-dir", os.path.join(LAB_DIR, "backups"), "--wal-archive", os.path.join(LAB_DIR, "archive")]
    started = time.monotonic()
    taken = subprocess.run([bin_, "backup", "--database-url", superuser] + folders, capture_output=True, text=True)
    print("  " + (taken.stdout.strip().replace("\n", "\n  ") or taken.stderr.strip()[-500:]) + " (%.1f s)" % (time.monotonic() - started))
    if taken.returncode != 0:
        check(results, "pitr", False, "chainstore backup failed")
        return
    call = rpc()
    tag = uuid.uuid4().hex[:6]
    batch_a = [call("res.partner", "create", [{"name": "pitr A %s %d" % (tag, n)}]) for n in range(20)]
    port = PORTS[primary()]
    target = psql(port, "SELECT clock_timestamp()")
    time.sleep(1)
    batch_b = [call("res.partner", "create", [{"name": "pitr B %s %d" % (tag, n)}]) for n in range(20)]
    call("res.partner", "unlink", [batch_a])
    segment = psql(port, "SELECT pg_walfile_name(pg_current_wal_lsn())")
    psql(port, "SELECT pg_switch_wal()")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not os.path.exists(os.path.join(LAB_DIR, "archive", segment)):
        time.sleep(0.2)
    into = os.path.join(LAB_DIR, "pitr-" + tag)
    started = time.monotonic()
    restored = subprocess.run([bin_, "restore", "--to", target, "--into", into] + folders, capture_output=True, text=True)
    print("  " + (restored.stdout.strip().replace("\n", "\n  ") or restored.stderr.strip()[-800:]) + " (%.1f s)" % (time.monotonic() - started))
    if restored.returncode != 0:
        check(results, "pitr", False, "chainstore restore failed")
        return
    # The restored folder is a managed cluster: started on its own socket to be read.
    socket = os.path.join(into, "run")
    pg_ctl_args = ["-o", "-c listen_addresses= -c unix_socket_directories=%s -p 5432" % socket, "-l", os.path.join(into, "postgresql.log"), "-w"]
    subprocess.run(([] if os.getuid() else ["runuser", "-u", "postgres", "--"]) + [os.path.join(PG_BIN, "pg_ctl"), "-D", os.path.join(into, "pgdata")]
                   + pg_ctl_args + ["start"], check=True, stdout=subprocess.DEVNULL)
    try:
        out = subprocess.run([os.path.join(PG_BIN, "psql"), "-X", "-At", "-h", socket, "-p", "5432", "-U", "postgres", "-d", DB, "-c",
                              "SELECT id FROM res_partner WHERE name LIKE 'pitr %% %s %%' ORDER BY id" % tag],
                             check=True, capture_output=True, text=True).stdout.split()
    finally:
        subprocess.run(([] if os.getuid() else ["runuser", "-u", "postgres", "--"]) + [os.path.join(PG_BIN, "pg_ctl"), "-D", os.path.join(into, "pgdata"),
                        "-m", "fast", "-w", "stop"], stdout=subprocess.DEVNULL)
    found = [int(i) for i in out]
    print("  restored to %s: %d of A's %d partners, %d of B's %d" % (target, len(set(found) & set(batch_a)), len(batch_a),
                                                                   len(set(found) & set(batch_b)), len(batch_b)))
    check(results, "pitr", found == sorted(batch_a), "the restored state is exactly what was committed at T (A whole, nothing of B)")


def drill_logs(results):
    """The nodes' log records reach the logs database, by day."""
    print("logs: the nodes' records in the logs database (chainstore_logs)", flush=True)
    port = PORTS[primary()]
    deadline = time.monotonic() + 10
    nodes = "0"
    while time.monotonic() < deadline:
        nodes = psql(port, "SELECT count(DISTINCT node) FROM chainstore_log WHERE at > now() - interval '1 hour'", db="chainstore_logs")
        if int(nodes) >= 6:
            break
        time.sleep(1)
    days = psql(port, "SELECT count(*) FROM pg_inherits WHERE inhparent = 'chainstore_log'::regclass", db="chainstore_logs")
    rows = psql(port, "SELECT count(*) FROM chainstore_log", db="chainstore_logs")
    print("  %s records from %s node processes, %s daily partitions" % (rows, nodes, days))
    check(results, "logs", int(nodes) >= 6 and int(days) >= 3, "every node ships its records (>= 6 processes), partitions made ahead")


DRILLS = {"replica": drill_replica, "app-node": drill_app_node, "primary": drill_primary, "sync-cancel": drill_sync_cancel, "cron": drill_cron, "bus": drill_bus, "pitr": drill_pitr, "logs": drill_logs}


def main(names):
    results = []
    for name in names or list(DRILLS):
        started = time.monotonic()
        try:
            DRILLS[name](results)
        except Exception as error:  # noqa: BLE001 (a drill that cannot finish is a failed drill)
            check(results, name, False, "the drill did not finish: %r" % error)
        print("  (%s: %.1f s)" % (name, time.monotonic() - started), flush=True)
    failed = [r for r in results if not r[1]]
    print("drills: %d checks, %d failed" % (len(results), len(failed)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
