"""The back office's sign-in security, with pyotp as the authenticator app: a group that requires
a second factor enrols its members in the browser (QR code, recovery codes), who then sign in with
a code; a recovery code works once; wrong codes end the sign-in; a sign-in waiting for its code
reaches nothing; passwords alone no longer work over XML-RPC (API keys do); sessions are listed
and ended; cross-site and tokenless posts are refused."""
import http.cookiejar
import json
import os
import subprocess
import time
import uuid
import urllib.error
import urllib.request
import xmlrpc.client

import pyotp
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from conftest import CHROMEDRIVER, CHROMIUM
from test_backoffice_app import WAIT, BackOffice

BIN = os.environ.get("CHAINSTORE_BIN")
DATA = os.environ.get("CHAINSTORE_DATA_DIR")
if not (BIN and DATA):
    pytest.skip("CHAINSTORE_BIN and CHAINSTORE_DATA_DIR are not set (scripts/test sets them)", allow_module_level=True)


class Web:
    """A browser-like JSON client: its own cookie jar, the session's CSRF token once signed in."""

    def __init__(self, url, db):
        self.url, self.db = url, db
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.csrf = ""

    def send(self, path, body=None, headers=None, method="POST"):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json", **(headers or {})})
        try:
            with self.opener.open(request, timeout=15) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def rpc(self, path, params, headers=None):
        status, answer = self.send(path, {"jsonrpc": "2.0", "method": "call", "id": 1, "params": params}, headers)
        assert status == 200, (status, answer)
        return answer

    def sign_in(self, login, password):
        answer = self.rpc("/web/session/authenticate", {"db": self.db, "login": login, "password": password})
        assert "error" not in answer, answer
        self.csrf = answer["result"]["csrf_token"]
        return answer["result"]

    def post(self, path, body, csrf=True):
        return self.send(path, body, {"X-CSRF-Token": self.csrf} if csrf else {})

    def call(self, model, method, *args, headers=None, **kwargs):
        return self.rpc("/web/dataset/call_kw", {"model": model, "method": method, "args": list(args), "kwargs": kwargs}, headers)


@pytest.fixture
def person(url, db, rpc, unique):
    """A new user of Guangzhou Store 001 with a password of its own (made with `chainstore user create`)."""
    password = "Kiwi-" + uuid.uuid4().hex[:12] + "-7"
    store = rpc("res.users", "search_read", [("login", "=", "store1")], fields=["company_id"])[0]["company_id"][0]
    subprocess.run([BIN, "user", "create", unique, "--name", unique, "--company", str(store), "--data-dir", DATA, "--database", db],
                   env={**os.environ, "CHAINSTORE_PASSWORD": password}, check=True, capture_output=True, timeout=60)
    uid = rpc("res.users", "search", [("login", "=", unique)])[0]
    rpc("res.users", "write", [uid], {"company_ids": [(6, 0, [store])]})
    return unique, password, uid


def enable_two_factor(web):
    """Turns the signed-in user's second factor on, as the account page does: its secret and recovery codes."""
    status, begun = web.post("/web/totp/begin", {})
    assert status == 200, begun
    assert begun["uri"].startswith("otpauth://totp/Chainstore:") and begun["qr_svg"].startswith("<svg")
    totp = pyotp.TOTP(begun["secret"])
    assert pyotp.parse_uri(begun["uri"]).secret == begun["secret"]
    status, enabled = web.post("/web/totp/enable", {"code": totp.now()})
    assert status == 200, enabled
    return totp, enabled["recovery_codes"]


def test_a_group_that_requires_a_second_factor_enrols_its_members_in_the_browser(url, db, rpc, person, unique):
    login, password, uid = person
    group = rpc("res.groups", "create", {"name": unique, "xmlid": "test." + unique.replace("-", "_"), "totp_required": True, "users": [(4, uid)]})
    office = BackOffice(url)
    try:
        office.driver.get(url + "/web")
        WebDriverWait(office.driver, WAIT).until(EC.visibility_of_element_located((By.ID, "login"))).send_keys(login)
        office.driver.find_element(By.ID, "password").send_keys(password)
        office.driver.find_element(By.ID, "db").send_keys(db)
        office.driver.find_element(By.ID, "signin").click()
        WebDriverWait(office.driver, WAIT).until(EC.visibility_of_element_located((By.ID, "enrol-form")))
        secret = WebDriverWait(office.driver, WAIT).until(lambda d: d.find_element(By.ID, "enrol-secret").get_attribute("data-secret"))
        assert office.driver.find_element(By.ID, "enrol-qr").get_attribute("src").startswith("data:image/svg+xml;base64,")
        office.shot("two-factor-enrol")
        totp = pyotp.TOTP(secret)
        office.driver.find_element(By.ID, "enrol-code").send_keys(totp.now())
        office.driver.find_element(By.ID, "enrol-verify").click()
        WebDriverWait(office.driver, WAIT).until(EC.visibility_of_element_located((By.ID, "recovery-view")))
        codes = [item.text for item in office.driver.find_elements(By.CSS_SELECTOR, "#recovery-codes li")]
        assert len(codes) == 10 and len(set(codes)) == 10
        assert office.drawn(lambda: office.driver.find_element(By.ID, "recovery-done").click()) == "ready"
        assert rpc("res.users", "read", [uid], ["totp_enabled"])[0]["totp_enabled"] is True

        # Signed out and in again: the password, then a code (the next one: the first was used).
        office.driver.find_element(By.ID, "signout").click()
        field = WebDriverWait(office.driver, WAIT).until(EC.visibility_of_element_located((By.ID, "login")))
        assert field.get_attribute("value") == login  # kept for the next sign-in; the password is not
        assert office.driver.find_element(By.ID, "password").get_attribute("value") == ""
        office.driver.find_element(By.ID, "password").send_keys(password)
        office.driver.find_element(By.ID, "signin").click()
        code = WebDriverWait(office.driver, WAIT).until(EC.visibility_of_element_located((By.ID, "totp-code")))
        wrong = "000000" if totp.now() != "000000" else "111111"
        code.send_keys(wrong)
        office.driver.find_element(By.ID, "totp-verify").click()
        WebDriverWait(office.driver, WAIT).until(lambda d: d.find_element(By.ID, "totp-error").text == "Wrong code")
        code.clear()
        code.send_keys(totp.at(time.time() + 30))
        assert office.drawn(lambda: office.driver.find_element(By.ID, "totp-verify").click()) == "ready"
        assert office.open("account") == "ready"
        assert office.driver.find_element(By.ID, "two-factor-state").text.startswith("On")
        office.shot("account")
    finally:
        office.quit()
        rpc("res.groups", "write", [group], {"totp_required": False})

    # With a second factor the password alone opens nothing over XML-RPC.
    common = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/common")
    assert common.authenticate(db, login, password, {}) is False
    with pytest.raises(xmlrpc.client.Fault):
        xmlrpc.client.ServerProxy(url + "/xmlrpc/2/object").execute_kw(db, uid, password, "res.partner", "search", [[]])


def test_a_recovery_code_signs_in_once_and_wrong_codes_end_the_sign_in(url, db, person):
    login, password, _ = person
    first = Web(url, db)
    first.sign_in(login, password)
    totp, codes = enable_two_factor(first)

    # A sign-in waiting for its code reaches nothing.
    waiting = Web(url, db)
    pending = waiting.sign_in(login, password)
    assert pending["uid"] is None and pending["two_factor"] == "totp"
    refused = waiting.call("res.partner", "search", [])
    assert refused["error"]["data"]["name"] == "odoo.http.SessionExpiredException"
    status, answer = waiting.post("/web/session/totp", {"code": codes[0]})
    assert status == 200 and answer["uid"] is not None
    assert "result" in waiting.call("res.partner", "search", [])

    again = Web(url, db)
    again.sign_in(login, password)
    status, answer = again.post("/web/session/totp", {"code": codes[0]})
    assert status == 403 and answer["message"] == "Wrong code"
    for _ in range(4):
        status, answer = again.post("/web/session/totp", {"code": "12345"})
        assert status == 403
    # The fifth wrong code ended the sign-in: even the right code does not revive it.
    status, answer = again.post("/web/session/totp", {"code": totp.at(time.time() + 30)})
    assert status == 401 and "ended" in answer["message"]
    assert again.call("res.partner", "search", [])["error"]["data"]["name"] == "odoo.http.SessionExpiredException"


def test_sessions_are_listed_and_ended_by_their_user_and_by_an_administrator(url, db, person):
    login, password, uid = person
    laptop, phone = Web(url, db), Web(url, db)
    laptop.sign_in(login, password)
    phone.sign_in(login, password)
    status, listed = laptop.send("/web/session/list", method="GET")
    assert status == 200
    mine = listed["sessions"]
    assert len(mine) == 2 and {row["login"] for row in mine} == {login} and sum(row["current"] for row in mine) == 1
    other = next(row for row in mine if not row["current"])
    status, _ = laptop.post("/web/session/revoke", {"id": other["id"]})
    assert status == 200
    assert phone.call("res.partner", "search", [])["error"]["data"]["name"] == "odoo.http.SessionExpiredException"
    assert "result" in laptop.call("res.partner", "search", [])

    # A user asking for everyone's sessions sees only its own; an administrator sees and ends any.
    status, listed = laptop.send("/web/session/list?all=1", method="GET")
    assert {row["user_id"] for row in listed["sessions"]} == {uid}
    admin = Web(url, db)
    admin.sign_in("admin", os.environ.get("CHAINSTORE_ADMIN_PASSWORD", "admin"))
    status, everyone = admin.send("/web/session/list?all=1", method="GET")
    target = next(row for row in everyone["sessions"] if row["user_id"] == uid)
    status, _ = admin.post("/web/session/revoke", {"id": target["id"]})
    assert status == 200
    assert laptop.call("res.partner", "search", [])["error"]["data"]["name"] == "odoo.http.SessionExpiredException"
    # Somebody else's session is not ended by a user who is not an administrator.
    admin_session = next(row for row in everyone["sessions"] if row["current"])
    status, _ = phone.post("/web/session/revoke", {"id": admin_session["id"]})
    assert status in (401, 404)
    assert "result" in admin.call("res.partner", "search", [])


def test_cross_site_and_tokenless_posts_are_refused(url, db, person):
    login, password, _ = person
    web = Web(url, db)
    web.sign_in(login, password)
    host = url.split("://", 1)[1]
    # A page of another site posting with the session cookie.
    for headers in ({"Origin": "http://evil.example"}, {"Origin": "null"}, {"Sec-Fetch-Site": "cross-site"}):
        status, answer = web.send("/web/dataset/call_kw", {"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
            "model": "res.partner", "method": "create", "args": [{"name": "forged"}], "kwargs": {}}}, headers)
        assert status == 403 and answer["message"] == "Cross-site request refused"
    # The same page's own posts, and programs that name no origin, go through.
    assert "result" in web.call("res.partner", "search", [], headers={"Origin": "http://" + host})
    assert "result" in web.call("res.partner", "search", [])
    # The back office's own posts need the session's CSRF token.
    status, answer = web.post("/web/totp/begin", {}, csrf=False)
    assert status == 403 and "CSRF" in answer["message"]
    status, answer = web.send("/web/totp/begin", {}, {"X-CSRF-Token": "0" * 64})
    assert status == 403
    status, answer = web.post("/web/totp/begin", {})
    assert status == 200
    # Without a session there is nothing to forge.
    stranger = Web(url, db)
    status, answer = stranger.post("/web/session/revoke", {"id": 1}, csrf=False)
    assert status == 401


def sql(db, statement):
    """Runs one statement in the server's own PostgreSQL (the managed cluster's socket)."""
    subprocess.run(["psql", "-h", os.path.join(DATA, "run"), "-U", "chainstore", "-d", db, "-v", "ON_ERROR_STOP=1", "-qc", statement],
                   check=True, capture_output=True, timeout=30)


def test_passwords_follow_the_policy_are_not_reused_and_expire(url, db, person):
    login, password, uid = person
    web, other = Web(url, db), Web(url, db)
    web.sign_in(login, password)
    other.sign_in(login, password)
    for old, new, says in ((password + "x", "Banana-77-split", "current password"), (password, "short1A", "at least 8"),
                           (password, "alllowercase", "three kinds"), (password, password, "last 5")):
        status, answer = web.post("/web/password/change", {"old": old, "new": new})
        assert status == 400 and says in answer["message"], answer
    status, answer = web.post("/web/password/change", {"old": password, "new": "Banana-77-split"}, csrf=False)
    assert status == 403
    status, _ = web.post("/web/password/change", {"old": password, "new": "Banana-77-split"})
    assert status == 200
    # The user's other sessions ended; this one goes on.
    assert other.call("res.partner", "search", [])["error"]["data"]["name"] == "odoo.http.SessionExpiredException"
    assert "result" in web.call("res.partner", "search", [])
    status, answer = web.post("/web/password/change", {"old": "Banana-77-split", "new": password})
    assert status == 400 and "last 5" in answer["message"]
    assert xmlrpc.client.ServerProxy(url + "/xmlrpc/2/common").authenticate(db, login, "Banana-77-split", {}) == uid

    # Ninety-one days later the password has expired: the sign-in waits for a new one.
    sql(db, f"UPDATE res_users SET password_set_at = now() - interval '91 days' WHERE id = {uid}")
    late = Web(url, db)
    pending = late.sign_in(login, "Banana-77-split")
    assert pending["uid"] is None and pending["two_factor"] == "password"
    assert late.call("res.partner", "search", [])["error"]["data"]["name"] == "odoo.http.SessionExpiredException"
    status, _ = late.post("/web/password/change", {"old": "Banana-77-split", "new": "Cherry-88-jam"})
    assert status == 200
    assert "result" in late.call("res.partner", "search", [])


def test_the_session_cookie_is_httponly_samesite_and_secure_behind_tls(url, db, person):
    """Behind the trusted proxy (scripts/test trusts 127.0.0.1) that says the client came over TLS,
    the cookie is `Secure`; over plain HTTP it cannot be."""
    login, password, _ = person
    body = json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {"db": db, "login": login, "password": password}}).encode()
    for proto, secure in (("https", True), ("http", False), (None, False)):
        headers = {"Content-Type": "application/json", **({"X-Forwarded-Proto": proto} if proto else {})}
        with urllib.request.urlopen(urllib.request.Request(url + "/web/session/authenticate", data=body, headers=headers), timeout=15) as r:
            cookie = r.headers["Set-Cookie"]
        attributes = [part.strip() for part in cookie.split(";")]
        assert "HttpOnly" in attributes and "SameSite=Lax" in attributes and "Max-Age=43200" in attributes
        assert ("Secure" in attributes) == secure, cookie
