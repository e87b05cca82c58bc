"""The browser apps' pages and files: scripts and styles come from this origin only, under names
that carry a hash of their content so they can be cached for a year; pages are never cached."""
import re
import urllib.error
import urllib.request

from conftest import URL


def get(path):
    try:
        with urllib.request.urlopen(URL + path) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_pages_name_hashed_files_served_with_immutable_caching():
    for page, module, script in (("/scan", "stock", "scan"), ("/display", "payment", "display")):
        status, headers, body = get(page)
        assert status == 200
        assert headers["Cache-Control"] == "no-cache"
        policy = headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
        html = body.decode()
        assert "{{asset" not in html
        files = re.findall(r'(?:src|href|content)="(?:zh_CN )?(/assets/[^"]+)"', html)
        assert any(re.fullmatch(rf"/assets/{module}/{script}\.[0-9a-f]{{16}}\.js", f) for f in files), files
        assert any(re.fullmatch(r"/assets/base/app\.[0-9a-f]{16}\.js", f) for f in files), files
        for path in files:
            status, headers, body = get(path)
            assert status == 200, path
            assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
            assert headers["X-Content-Type-Options"] == "nosniff"
            assert body
    # Only hashed names exist: an unversioned or altered name is not served.
    assert get("/assets/stock/scan.js")[0] == 404
    assert get("/assets/stock/scan.0000000000000000.js")[0] == 404
    assert get("/assets/../Package.swift")[0] == 404
    # A page is served at its route only, never as a cacheable file.
    assert not any(f.endswith(".html") for f in files)
    status, _, body = get("/scan")
    name = re.search(r"/assets/stock/scan\.([0-9a-f]{16})\.js", body.decode()).group(1)
    assert get(f"/assets/stock/scan.{name}.html")[0] == 404


def test_the_till_service_worker_is_a_page_naming_the_files_it_keeps():
    """/pos-sw.js lives at a route (its scope must cover /pos), is never cached itself, and names
    the hashed files of this release, each of which is served."""
    status, headers, body = get("/pos-sw.js")
    assert status == 200
    assert headers["Content-Type"].startswith("text/javascript")
    assert headers["Cache-Control"] == "no-cache"
    script = body.decode()
    assert "{{asset" not in script
    files = re.findall(r'"(/assets/[^"]+)"', script)
    _, _, page = get("/pos")
    till_script = re.search(r'src="(/assets/point_of_sale/pos\.[0-9a-f]{16}\.js)"', page.decode()).group(1)
    assert till_script in files, files
    for path in files:
        assert get(path)[0] == 200, path
    # The worker's own source is not a cacheable file.
    assert not any("/sw." in f for f in files)
    assert get("/assets/point_of_sale/sw.js")[0] == 404
