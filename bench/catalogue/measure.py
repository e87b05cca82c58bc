"""Catalogue figures against a running server: first download, delta after 100 price changes,
batch pricing of 100 lines, products/s through load(). Prints figures, never fails on them."""
import base64, json, random, statistics, sys, time, urllib.request, xmlrpc.client

url, user, password = sys.argv[1], sys.argv[2], sys.argv[3]
auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def get(path, authorization=None):
    request = urllib.request.Request(url + path, headers={"Authorization": authorization or auth})
    with urllib.request.urlopen(request, timeout=120) as response:
        body = response.read()
    return json.loads(body), len(body)


wanted = int(sys.argv[5]) if len(sys.argv) > 5 else 10**9


def download(wanted, authorization=None):
    started, after, total_bytes, products, version = time.perf_counter(), 0, 0, 0, None
    while True:
        page, size = get(f"/api/v1/catalogue?after={after}&limit={min(2000, wanted - products)}", authorization)
        version = page["version"] if version is None else version
        total_bytes += size
        products += len(page["products"])
        if not page["more"] or products >= wanted:
            return time.perf_counter() - started, total_bytes, products, version
        after = page["next_after"]


runs = [download(wanted) for _ in range(5)]
seconds = statistics.median(r[0] for r in runs)
_, size, count, version = runs[0]
print(f"first catalogue download for one store: {count} products with prices, {size / 1024:.0f} KiB, median {seconds * 1000:.0f} ms of 5")
head_office = "Basic " + base64.b64encode(f"admin:{sys.argv[4]}".encode()).decode()
page_rate = [download(20000, head_office) for _ in range(3)]
print(f"  the whole group catalogue as head office (no assortment): {statistics.median(r[2] / r[0] for r in page_rate):.0f} "
      f"products/s with prices (median of 3 downloads of 20,000)")

common = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/common")
admin_pw = sys.argv[4]
uid = common.authenticate("demo", "admin", admin_pw, {})
models = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/object", allow_none=True)
rpc = lambda model, method, *a, **k: models.execute_kw("demo", uid, admin_pw, model, method, list(a), k)
me = models.execute_kw("demo", common.authenticate("demo", user, password, {}), password, "res.users", "read",
                       [[common.authenticate("demo", user, password, {})]], {"fields": ["company_id"]})[0]["company_id"][0]
products = [p["id"] for p in get("/api/v1/catalogue?limit=2000")[0]["products"]]
rng = random.Random(7)
changed = rng.sample(products, 100)
city = rpc("res.company", "read", [me], ["parent_id"])[0]["parent_id"][0]
city_list = rpc("product.pricelist", "search", [("company_id", "=", city)], limit=1)[0]
started = time.perf_counter()
for product in changed:
    rpc("product.pricelist.item", "create", {"pricelist_id": city_list, "applied_on": "0_product_variant", "product_id": product,
                                             "compute_price": "fixed", "fixed_price": round(rng.uniform(1, 99), 2)})
writes = time.perf_counter() - started
started = time.perf_counter()
delta, size = get(f"/api/v1/catalogue?since={version}&limit=5000")
took = time.perf_counter() - started
print(f"delta after 100 price changes (100 separate RPC writes, {100 / writes:.0f} writes/s): {len(delta['products'])} products, "
      f"{size / 1024:.1f} KiB, {took * 1000:.0f} ms")

lines = [[p, rng.choice([1, 2, 3, 12])] for p in rng.sample(products, 100)]
timings = []
for _ in range(21):
    started = time.perf_counter()
    rpc("product.pricelist", "price_lines", lines, me)
    timings.append(time.perf_counter() - started)
print(f"batch pricing of 100 lines (product.pricelist.price_lines over XML-RPC): median {statistics.median(timings) * 1000:.1f} ms of 21, "
      f"p90 {sorted(timings)[18] * 1000:.1f} ms")


def ean(body):
    total = sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(body))
    return body + str((10 - total % 10) % 10)


rates = []
for run in range(3):
    rows = [[f"bench_{run}_{i}", f"Bench product {run}-{i}", f"{1 + i % 90}.{i % 100:02d}", "VAT 13% (incl.)",
             ean("695" + f"{run}{i:08d}")] for i in range(5000)]
    started = time.perf_counter()
    result = rpc("product.template", "load", ["id", "name", "list_price", "taxes_id", "barcode"], rows)
    took = time.perf_counter() - started
    assert result["ids"], result["messages"][:3]
    rates.append(5000 / took)
print(f"load() of 5,000 new products (with taxes, barcodes, external ids; one XML-RPC call): median {statistics.median(rates):.0f} products/s of 3")
