"""Holds N idle bus WebSockets on a node, then measures what they cost and how fast one
notification reaches them all. Prints figures; never pass/fail.

    python3 bench/bus/idle.py URL LOGIN PASSWORD PID N [N ...]

For each N: opens the sockets (Basic sign-in on the upgrade, subscribe to broadcast), reports the
node's resident memory (PID) and the kernel's TCP memory per socket, then commits one catalogue
change through XML-RPC (a `product.catalogue/changed` notification on broadcast) and reports
commit-to-delivery latency over all sockets (p50, p99, last)."""
import asyncio
import base64
import json
import os
import resource
import sys
import time
import urllib.parse
import xmlrpc.client


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def tcp_pages():
    with open("/proc/net/sockstat") as stat:
        for line in stat:
            if line.startswith("TCP:"):
                parts = line.split()
                return int(parts[parts.index("mem") + 1])
    return 0


async def read_frame(reader):
    head = await reader.readexactly(2)
    length = head[1] & 0x7F
    if length == 126:
        length = int.from_bytes(await reader.readexactly(2), "big")
    elif length == 127:
        length = int.from_bytes(await reader.readexactly(8), "big")
    return head[0] & 0x0F, await reader.readexactly(length)


def client_frame(text):
    data = text.encode()
    mask = os.urandom(4)
    header = bytes([0x81])
    header += bytes([0x80 | len(data)]) if len(data) < 126 else bytes([0x80 | 126]) + len(data).to_bytes(2, "big")
    return header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data))


async def open_socket(host, port, auth):
    reader, writer = await asyncio.open_connection(host, port)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write((f"GET /websocket HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nAuthorization: {auth}\r\n\r\n").encode())
    response = await reader.readuntil(b"\r\n\r\n")
    if b" 101 " not in response.split(b"\r\n", 1)[0]:
        raise RuntimeError(response.split(b"\r\n", 1)[0].decode())
    writer.write(client_frame(json.dumps({"event_name": "subscribe", "data": {"channels": [], "last": 2 ** 40}})))
    await writer.drain()
    return reader, writer


async def wait_for_change(reader, product, arrivals):
    while True:
        opcode, payload = await read_frame(reader)
        if opcode == 0x9:  # ping: the node's keep-alive; answered by the kernel-level client below
            continue
        if opcode != 0x1:
            continue
        for note in json.loads(payload):
            message = note["message"]
            if message["type"] == "product.catalogue/changed" and product in message["payload"]["product_ids"]:
                arrivals.append(time.perf_counter())
                return


async def measure(url, login, password, pid, count):
    parsed = urllib.parse.urlparse(url)
    auth = "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()
    before_rss, before_tcp = rss_kib(pid), tcp_pages()
    sockets = []
    opened = time.perf_counter()
    for start in range(0, count, 500):
        batch = await asyncio.gather(*(open_socket(parsed.hostname, parsed.port, auth) for _ in range(min(500, count - start))))
        sockets += batch
    opening = time.perf_counter() - opened
    await asyncio.sleep(2)
    after_rss, after_tcp = rss_kib(pid), tcp_pages()
    models = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/object")
    found = models.execute_kw("demo", 2, password, "product.product", "search", [[]], {"limit": 1})
    if not found:
        template = models.execute_kw("demo", 2, password, "product.template", "create", [{"name": "Bus benchmark item"}])
        found = models.execute_kw("demo", 2, password, "product.product", "search", [[["product_tmpl_id", "=", template]]])
    product = found[0]
    arrivals = []
    waiters = [asyncio.create_task(wait_for_change(reader, product, arrivals)) for reader, _ in sockets]
    committed = time.perf_counter()
    await asyncio.get_running_loop().run_in_executor(None, lambda: models.execute_kw(
        "demo", 2, password, "product.product", "write", [[product], {"default_code": f"BUS{int(time.time() * 1000) % 10 ** 9}"}]))
    done, pending = await asyncio.wait(waiters, timeout=60)
    for task in pending:
        task.cancel()
    latencies = sorted(a - committed for a in arrivals)
    pick = lambda p: 1000 * latencies[min(len(latencies) - 1, int(p * (len(latencies) - 1)))] if latencies else float("nan")
    print(f"  {count:6d} idle sockets: opened in {opening:5.1f} s; node RSS +{(after_rss - before_rss) / 1024:6.1f} MiB "
          f"({(after_rss - before_rss) / max(count, 1):5.1f} KiB per socket); kernel TCP memory +{(after_tcp - before_tcp) * 4 / max(count, 1):4.1f} KiB per socket "
          f"(both ends); one notification to all: p50 {pick(0.5):6.1f} ms, p99 {pick(0.99):6.1f} ms, last {pick(1.0):6.1f} ms, "
          f"{len(latencies)}/{count} delivered", flush=True)
    for _, writer in sockets:
        writer.close()
    await asyncio.sleep(2)


async def main():
    url, login, password, pid = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    print(f"Chainstore bus: idle WebSockets on one node (file descriptors: {hard} per process on this machine)")
    for count in (int(n) for n in sys.argv[5:]):
        await measure(url, login, password, pid, count)


asyncio.run(main())
