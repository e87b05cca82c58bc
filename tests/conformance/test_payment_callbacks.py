"""Payments end to end on the running server, and the channels' callbacks as an attacker sends them.

./scripts/test starts `chainstore sandbox-pay` beside the server and configures WeChat Pay API v3 and
Alipay against it, with callbacks to the server. The sandbox's key folder (CHAINSTORE_SANDBOX_KEYS)
holds the platform keys the channels sign with; callbacks are built here with `cryptography`, as a
channel would, or forged: wrong key, stale timestamp, probe signature, tampered ciphertext, another
amount, malformed bodies. Every refused callback must change nothing; a replayed one is taken once.
"""
import base64
import json
import os
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest

KEYS = os.environ.get("CHAINSTORE_SANDBOX_KEYS")
SANDBOX = os.environ.get("CHAINSTORE_SANDBOX_URL")
if not KEYS or not SANDBOX:
    pytest.skip("the payment sandbox is not running (CHAINSTORE_SANDBOX_KEYS, CHAINSTORE_SANDBOX_URL)", allow_module_level=True)

from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import padding, rsa  # noqa: E402
from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: E402

from conftest import ADMIN_PASSWORD, TENANT_PASSWORD, URL  # noqa: E402

KEY_DIR = Path(KEYS)
WECHAT_PLATFORM = serialization.load_pem_private_key((KEY_DIR / "wechat_platform_private.pem").read_bytes(), password=None)
PUBLIC_KEY_ID = (KEY_DIR / "wechat_public_key_id").read_text().strip()
APIV3_KEY = (KEY_DIR / "wechat_apiv3_key").read_text().strip().encode()
ALIPAY_PLATFORM = serialization.load_pem_private_key((KEY_DIR / "alipay_platform_private.pem").read_bytes(), password=None)
STRANGER = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def call(method, path, body=None, user="admin", password=ADMIN_PASSWORD, raw=None, headers=None, content_type="application/json"):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(URL + path, data=data, method=method)
    if user:
        request.add_header("Authorization", "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode())
    if data is not None:
        request.add_header("Content-Type", content_type)
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def payment(reference):
    status, text = call("GET", f"/api/v1/payments/{reference}")
    assert status == 200, text
    return json.loads(text)


def sign(key, text):
    return base64.b64encode(key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


# --- WeChat Pay v3 callbacks ------------------------------------------------------------------

def v3_callback(resource, event="TRANSACTION.SUCCESS", key=WECHAT_PLATFORM, timestamp=None, signature=None, tamper=False):
    """A v3 callback as WeChat sends it: the resource AES-256-GCM encrypted with the APIv3 key, the
    envelope signed (timestamp, nonce, body) with the platform key."""
    nonce = secrets.token_hex(6)
    sealed = bytearray(AESGCM(APIV3_KEY).encrypt(nonce.encode(), json.dumps(resource).encode(), b"transaction"))
    if tamper:
        sealed[0] ^= 1
    body = json.dumps({
        "id": str(uuid.uuid4()), "create_time": "2024-06-01T12:31:04+08:00", "event_type": event, "resource_type": "encrypt-resource",
        "summary": "支付成功", "resource": {"algorithm": "AEAD_AES_256_GCM", "ciphertext": base64.b64encode(bytes(sealed)).decode(),
                                         "nonce": nonce, "associated_data": "transaction", "original_type": "transaction"},
    })
    stamp = str(timestamp or int(time.time()))
    header_nonce = secrets.token_hex(16)
    return body, {
        "Wechatpay-Timestamp": stamp, "Wechatpay-Nonce": header_nonce, "Wechatpay-Serial": PUBLIC_KEY_ID,
        "Wechatpay-Signature": signature or sign(key, f"{stamp}\n{header_nonce}\n{body}\n"),
        "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
    }


def post_v3(body, headers):
    return call("POST", "/api/v1/payments/notify/wechat-v3", raw=body.encode(), user=None, headers=headers)


def transaction(reference, total, state="SUCCESS"):
    return {"mchid": "1900000109", "appid": "wx8888888888888888", "out_trade_no": reference, "transaction_id": "4200000000" + reference[-10:],
            "trade_state": state, "trade_type": "NATIVE", "amount": {"total": total, "payer_total": total, "currency": "CNY"}}


@pytest.fixture
def qr_attempt():
    status, text = call("POST", "/api/v1/payments/qr", {"order_key": "qr-" + uuid.uuid4().hex[:12], "attempt": 1, "amount": 1999,
                                                        "subject": "Customer display"})
    assert status == 200, text
    attempt = json.loads(text)
    assert attempt["state"] == "user_paying" and attempt["qr_code_url"].startswith("weixin://wxpay/bizpayurl?pr=")
    return attempt


def test_forged_v3_callbacks_are_refused_and_change_nothing(qr_attempt):
    reference = qr_attempt["reference"]
    good = transaction(reference, 1999)
    hostile = [
        ("signed by a stranger", v3_callback(good, key=STRANGER)),
        ("a probe signature", v3_callback(good, signature="WECHATPAY/SIGNTEST/" + base64.b64encode(b"x" * 32).decode())),
        ("replayed ten minutes later", v3_callback(good, timestamp=int(time.time()) - 600)),
        ("ciphertext tampered", v3_callback(good, tamper=True)),
        ("another amount", v3_callback(transaction(reference, 1)),),
        ("another merchant", v3_callback(dict(good, mchid="1900000999"))),
        ("an order that is not ours", v3_callback(transaction("P" + "0" * 25, 1999))),
    ]
    for name, (body, headers) in hostile:
        status, text = post_v3(body, headers)
        assert status == 400, f"{name}: {status} {text}"
        assert json.loads(text)["code"] == "FAIL", name
        assert payment(reference)["state"] == "user_paying", name
    # Bodies that are not callbacks at all.
    body, headers = v3_callback(good)
    for name, raw in [("not JSON", b"{\"id\": "), ("empty", b""), ("oversized", b"{" + b" " * (70 * 1024) + b"}")]:
        status, _ = call("POST", "/api/v1/payments/notify/wechat-v3", raw=raw, user=None, headers=headers)
        assert status in (400, 413), name
        assert payment(reference)["state"] == "user_paying", name
    # Missing signature headers.
    status, _ = post_v3(body, {"Wechatpay-Timestamp": headers["Wechatpay-Timestamp"]})
    assert status == 400
    assert payment(reference)["state"] == "user_paying"


def test_a_genuine_v3_callback_pays_once_and_its_replay_is_taken_once(qr_attempt):
    reference = qr_attempt["reference"]
    body, headers = v3_callback(transaction(reference, 1999))
    assert post_v3(body, headers)[0] == 204
    paid = payment(reference)
    assert paid["state"] == "paid" and paid["code"] == "NOTIFIED"
    # The same callback again (WeChat resends until acknowledged): acknowledged, nothing changes.
    assert post_v3(body, headers)[0] == 204
    assert payment(reference) == paid


def test_the_customer_pays_the_qr_code_and_the_sandbox_callback_settles_it(qr_attempt):
    reference = qr_attempt["reference"]
    request = urllib.request.Request(f"{SANDBOX}/sandbox/native/{reference}/pay", data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 204
    for _ in range(100):
        if payment(reference)["state"] == "paid":
            break
        time.sleep(0.1)
    assert payment(reference)["state"] == "paid"


# --- Alipay notifications and refunds -----------------------------------------------------------

def alipay_code(suffix="00"):
    return "28" + str(uuid.uuid4().int)[:14] + suffix


def pay_alipay(amount=2500):
    status, text = call("POST", "/api/v1/payments", {"order_key": "ali-" + uuid.uuid4().hex[:12], "attempt": 1, "auth_code": alipay_code(),
                                                     "amount": amount, "subject": "Groceries"})
    assert status == 200, text
    attempt = json.loads(text)
    assert attempt["state"] == "paid", attempt
    return attempt


def alipay_notify(fields, key=ALIPAY_PLATFORM):
    """An Alipay notification: every field but sign and sign_type, sorted, signed RSA2."""
    fields = dict({"notify_id": uuid.uuid4().hex, "notify_time": "2024-06-01 12:31:05", "notify_type": "trade_status_sync",
                   "app_id": "2021004112345678", "charset": "utf-8", "version": "1.0", "seller_id": "2088102119685838"}, **fields)
    text = "&".join(f"{k}={v}" for k, v in sorted(fields.items()) if v)
    fields["sign_type"] = "RSA2"
    fields["sign"] = sign(key, text)
    return urllib.parse.urlencode(fields).encode()


def post_alipay(raw):
    return call("POST", "/api/v1/payments/notify/alipay", raw=raw, user=None, content_type="application/x-www-form-urlencoded")


def test_forged_alipay_notifications_are_refused():
    attempt = pay_alipay()
    reference = attempt["reference"]
    base = {"out_trade_no": reference, "trade_no": "2024" + reference[-12:], "trade_status": "TRADE_SUCCESS", "total_amount": "25.00"}
    for name, raw in [
        ("signed by a stranger", alipay_notify(base, key=STRANGER)),
        ("another amount", alipay_notify(dict(base, total_amount="0.01"))),
        ("another application", alipay_notify(dict(base, app_id="2021000000000000"))),
        ("another seller", alipay_notify(dict(base, seller_id="2088000000000000"))),
        ("not a form", b"\x00\xff<xml>"),
        ("no signature", urllib.parse.urlencode(base).encode()),
    ]:
        status, text = post_alipay(raw)
        assert (status, text) == (400, "fail"), name
    assert payment(reference) == attempt
    # A genuine one is acknowledged with exactly "success", and changes nothing on a paid attempt.
    assert post_alipay(alipay_notify(base)) == (200, "success")
    assert payment(reference)["state"] == "paid"


def wait_refund(reference, state="done"):
    for _ in range(100):
        status, text = call("GET", f"/api/v1/refunds/{reference}")
        assert status == 200, text
        refund = json.loads(text)
        if refund["state"] == state:
            return refund
        time.sleep(0.1)
    raise AssertionError(f"refund {reference} is {refund['state']}, not {state}")


def test_refunds_are_bounded_idempotent_and_need_the_right():
    attempt = pay_alipay(3000)
    reference = attempt["reference"]
    # A cashier without the refund right is refused.
    key = os.environ.get("CHAINSTORE_TEST_API_KEY")
    if key:
        status, text = call("POST", f"/api/v1/payments/{reference}/refunds", {"request_key": "r1", "amount": 100}, user="store1", password=key)
        assert status in (403, 404), text
    status, text = call("POST", f"/api/v1/payments/{reference}/refunds", {"request_key": "return-1", "amount": 1000, "reason": "damaged"})
    assert status == 200, text
    first = wait_refund(json.loads(text)["reference"])
    assert first["amount"] == 1000
    # The same request again: the same refund, nothing more refunded.
    status, text = call("POST", f"/api/v1/payments/{reference}/refunds", {"request_key": "return-1", "amount": 1000})
    assert status == 200 and json.loads(text)["reference"] == first["reference"]
    # More than what is left is refused.
    status, text = call("POST", f"/api/v1/payments/{reference}/refunds", {"request_key": "return-2", "amount": 2001})
    assert status == 400 and "exceed" in text, text
    status, text = call("POST", f"/api/v1/payments/{reference}/refunds", {"request_key": "return-2", "amount": 2000})
    assert status == 200, text
    wait_refund(json.loads(text)["reference"])
    after = payment(reference)
    assert after["state"] == "refunded" and after["refunded"] == 3000


def test_a_wechat_refund_is_done_when_the_channel_says_so(qr_attempt):
    reference = qr_attempt["reference"]
    urllib.request.urlopen(urllib.request.Request(f"{SANDBOX}/sandbox/native/{reference}/pay", data=b"", method="POST"), timeout=10)
    for _ in range(100):
        if payment(reference)["state"] == "paid":
            break
        time.sleep(0.1)
    status, text = call("POST", f"/api/v1/payments/{reference}/refunds", {"request_key": "return-1", "amount": 999})
    assert status == 200, text
    refund = json.loads(text)
    # WeChat processes refunds for a while: done only on its word (callback or refund query).
    assert refund["state"] in ("processing", "done")
    # A forged REFUND.SUCCESS with another amount changes nothing.
    body, headers = v3_callback({"mchid": "1900000109", "out_trade_no": reference, "out_refund_no": refund["reference"], "refund_id": "50000",
                                 "refund_status": "SUCCESS", "amount": {"total": 1999, "refund": 1999, "payer_total": 1999, "payer_refund": 1999}},
                                event="REFUND.SUCCESS")
    assert post_v3(body, headers)[0] == 400
    done = wait_refund(refund["reference"])
    assert done["amount"] == 999
    after = payment(reference)
    assert after["state"] == "paid" and after["refunded"] == 999


def test_a_caller_of_another_database_cannot_reach_this_databases_payments(qr_attempt):
    """Each tenant takes payments with its own merchant accounts: a user of the second tenant,
    which has none on this node, is refused, and cannot read or cancel this database's attempt
    even by its reference."""
    reference = qr_attempt["reference"]
    for method, path, body in [("POST", "/api/v1/payments/qr?db=tenant2", {"order_key": "t2", "attempt": 1, "amount": 100}),
                               ("GET", f"/api/v1/payments/{reference}?db=tenant2", None),
                               ("POST", f"/api/v1/payments/{reference}/cancel?db=tenant2", None)]:
        status, text = call(method, path, body, user="tenant.user", password=TENANT_PASSWORD)
        assert status == 400 and "not configured for database tenant2" in text, (path, status, text)
    assert payment(reference)["state"] == "user_paying"
