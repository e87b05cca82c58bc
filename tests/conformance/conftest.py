"""Conformance tests drive a running Chainstore (started by ./scripts/test) with independent clients."""
import os
import urllib.parse
import uuid
import xmlrpc.client

import odoorpc
import pytest

URL = os.environ.get("CHAINSTORE_URL", "http://127.0.0.1:8069")
DB = os.environ.get("CHAINSTORE_DB", "demo")
ADMIN_PASSWORD = os.environ.get("CHAINSTORE_ADMIN_PASSWORD", "admin")
# The second tenant's user (scripts/test creates it with this password).
TENANT_PASSWORD = os.environ.get("CHAINSTORE_TENANT_PASSWORD", "Tenant-secret-2")
# Under scripts/test and in CI nothing may be skipped: a missing browser, sandbox or server is a
# failure there, not a silent pass.
STRICT = os.environ.get("CHAINSTORE_STRICT") == "1"
CHROMIUM = next((path for path in ("/usr/bin/chromium", "/usr/bin/chromium-browser") if os.path.exists(path)), None)
CHROMEDRIVER = "/usr/bin/chromedriver"


def headless_chromium(window_size, *arguments):
    """A headless Chromium driven through chromedriver, its window `window_size` ("W,H")."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM or "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=" + window_size) + arguments:
        options.add_argument(argument)
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if STRICT and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped under CHAINSTORE_STRICT=1: {report.longrepr}"


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    report = outcome.get_result()
    if STRICT and report.outcome == "skipped":
        report.outcome = "failed"
        report.longrepr = f"module skipped under CHAINSTORE_STRICT=1: {report.longrepr}"


@pytest.fixture(scope="session")
def url():
    return URL


@pytest.fixture(scope="session")
def host_port():
    parsed = urllib.parse.urlparse(URL)
    return parsed.hostname, parsed.port


@pytest.fixture(scope="session")
def db():
    return DB


@pytest.fixture
def unique():
    """A name no other test uses, so tests can run against one shared demo database."""
    return "conf-" + uuid.uuid4().hex[:10]


@pytest.fixture
def odoo(host_port, db):
    """odoorpc logged in as admin."""
    host, port = host_port
    client = odoorpc.ODOO(host, port=port)
    client.login(db, "admin", ADMIN_PASSWORD)
    return client


@pytest.fixture
def rpc(url, db):
    """`execute_kw` as admin over XML-RPC: rpc(model, method, *args, **kwargs)."""
    uid = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/common").authenticate(db, "admin", ADMIN_PASSWORD, {})
    models = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/object", allow_none=True)

    def call(model, method, *args, **kwargs):
        return models.execute_kw(db, uid, ADMIN_PASSWORD, model, method, list(args), kwargs)

    return call
