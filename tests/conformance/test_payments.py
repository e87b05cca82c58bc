"""The payments signing tool (payments spec §6) against independent SDKs.

`chainstore codec payments FILE` answers one JSON file of cases per channel. Keys, certificates and
AES keys are made here with `cryptography`; several hundred cases are generated with a fixed seed
and every answer is compared with the spec's rule and with an independent SDK:

- WeChat Pay v2 (§2.2, §2.6): wechatpy — `wechatpy.pay.utils.calculate_signature`,
  `calculate_signature_hmac`, `format_url` (the string it signs), `dict_to_xml`, and for the refund
  notification `wechatpy.crypto.RefundCrypto` / `WeChatRefundCrypto.decrypt_message`.
- WeChat Pay v3 (§3.1–3.3): wechatpayv3 — `wechatpayv3.utils.rsa_sign`, `build_authorization`,
  `aes_decrypt`, and `wechatpayv3.core.Core` (`_verify_signature`, `decrypt_callback`) run offline
  with the platform public key and a platform certificate handed to it.
- Alipay (§4.2–4.5): python-alipay-sdk — `alipay.AliPay._ordered_data`, `_sign`, `_verify`,
  `sign_data`, `verify`, `_get_string_to_be_signed`, and `alipay.DCAliPay.get_cert_sn`.

Where an SDK departs from the spec the spec decides, and the comment at that place says how the SDK
differs. The worked examples of the contract (fixtures/payments/payments-*.json) run too.
"""
import base64
import datetime
import hashlib
import json
import os
import random
import shutil
import string
import subprocess
import urllib.parse
import warnings
from pathlib import Path
from unittest import mock

import pytest

BIN = os.environ.get("CHAINSTORE_BIN")
if not BIN:
    pytest.skip("CHAINSTORE_BIN is not set (path to the chainstore executable)", allow_module_level=True)

from alipay import AliPay, DCAliPay  # noqa: E402
from cryptography import x509  # noqa: E402
from cryptography.exceptions import InvalidSignature  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives import padding as block_padding  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import padding, rsa  # noqa: E402
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes  # noqa: E402
from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402
from wechatpy.crypto import RefundCrypto, WeChatRefundCrypto  # noqa: E402
from wechatpy.pay.utils import calculate_signature, calculate_signature_hmac, dict_to_xml, format_url  # noqa: E402
import wechatpayv3.utils as wxv3  # noqa: E402
from wechatpayv3.core import Core  # noqa: E402

# The worked examples of the contract (payments spec §6, examples/), kept beside the tests;
# CHAINSTORE_PAYMENT_EXAMPLES points elsewhere (e.g. at the spec's own folder).
EXAMPLES = Path(os.environ.get("CHAINSTORE_PAYMENT_EXAMPLES")
                or Path(__file__).resolve().parent / "fixtures" / "payments")
EXAMPLE_FILES = ["payments-wechat_v2.json", "payments-wechat_v3.json", "payments-alipay.json"]
# Output members the contract names; any of them in an example's `expected` is compared.
CONTRACT_MEMBERS = {"sign", "string_to_sign", "query_string", "valid", "fresh", "plaintext", "fields",
                    "authorization", "message", "signature", "signed_content", "string_to_verify",
                    "cert_sn", "root_cert_sn", "error"}

rng = random.Random(20240601)
FILES = {}   # path relative to the case files -> bytes, written beside them
SUITES = {}  # name -> Suite; each suite is one input file, answered by one run of the tool


class Suite:
    def __init__(self, name, **top):
        self.name, self.top, self.cases, self.checks = name, top, [], {}
        SUITES[name] = self

    def add(self, case, check):
        assert case["id"] not in self.checks, case["id"]
        self.cases.append(case)
        self.checks[case["id"]] = check

    def document(self):
        return {**self.top, "cases": self.cases}


# --- building blocks ---------------------------------------------------------------------------

def alnum(n, alphabet=string.ascii_letters + string.digits):
    return "".join(rng.choice(alphabet) for _ in range(n))


def digits(n):
    return "".join(rng.choice(string.digits) for _ in range(n))


def no_error(got):
    assert got.get("error") in (None, False), f"unexpected error: {got}"


def failed(got):
    assert got.get("error") is True, got
    assert isinstance(got.get("reason"), str) and got["reason"].strip(), got


def fields_equal(got, **expected):
    no_error(got)
    for key, value in expected.items():
        assert got.get(key) == value, (key, got.get(key), value)


def new_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_pem(key, form=serialization.PrivateFormat.PKCS8):
    return key.private_bytes(serialization.Encoding.PEM, form, serialization.NoEncryption())


def public_pem(key):
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)


def name(country, org, unit, common):
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, country),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
                      x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit),
                      x509.NameAttribute(NameOID.COMMON_NAME, common)])


def certificate(subject_key, subject, issuer_key, issuer, serial):
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
            .public_key(subject_key.public_key()).serial_number(serial)
            .not_valid_before(datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc))
            .not_valid_after(datetime.datetime(2044, 1, 1, tzinfo=datetime.timezone.utc))
            .sign(issuer_key, hashes.SHA256()))


def cert_pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM)


CN_WORDS = ["全家便利", "上海徐汇店", "饮料", "支付成功", "零钱", "测试商品", "优惠券", "门店", "退款"]


def mixed_text(symbols, low=1, high=5):
    """Chinese, ASCII words and the given symbols; never empty, never only spaces."""
    parts = []
    for _ in range(rng.randint(low, high)):
        roll = rng.random()
        if roll < 0.3:
            parts.append(rng.choice(CN_WORDS))
        elif roll < 0.6:
            parts.append(alnum(rng.randint(1, 8)))
        else:
            parts.append(rng.choice(symbols))
    text = "".join(parts)
    if not text.strip():
        text += "x"
    if rng.random() < 0.12:
        text = " " + text
    if rng.random() < 0.12:
        text += " "
    return text


# ==================================================================================================
# WeChat Pay v2 (§2.2, §2.6)
# ==================================================================================================

V2_SYMBOLS = [" ", "&", "=", '"', "'", "<", ">", "%", "+", "/", "?", "#", ";", ",", "a=b&c=d", " & ", "\\",
              "{", "}", "[", "(", ")"]
V2_KEY = alnum(32)
v2 = Suite("wechat_v2", api_key=V2_KEY)  # cases without their own api_key use this one


def v2_text():
    return mixed_text(V2_SYMBOLS)


def v2_detail():
    goods = [{"goods_id": f"G{digits(6)}", "goods_name": v2_text(), "quantity": rng.randint(1, 5),
              "price": rng.randint(1, 99999)} for _ in range(rng.randint(1, 3))]
    detail = {"cost_price": rng.randint(1, 99999), "receipt_id": alnum(10), "goods_detail": goods}
    return json.dumps(detail, ensure_ascii=rng.random() < 0.3,
                      separators=rng.choice([(",", ":"), (", ", ": ")]))


# Names chosen so that byte-wise order differs from case-insensitive order.
V2_ODD_NAMES = ["A_x", "_x", "a_x", "Z", "a", "aB", "ab", "B_y", "x_Y", "_"]


def v2_request_params():
    params = {"appid": "wx" + alnum(16, string.ascii_lowercase + string.digits), "mch_id": digits(10),
              "nonce_str": alnum(32, string.ascii_uppercase + string.digits)}
    optional = {
        "body": v2_text, "detail": v2_detail, "attach": v2_text, "out_trade_no": lambda: "S" + digits(25),
        "total_fee": lambda: str(rng.randint(1, 10**6)), "spbill_create_ip": lambda: f"10.8.{rng.randrange(256)}.21",
        "auth_code": lambda: rng.choice(["10", "11", "13", "15"]) + digits(16),
        "device_info": lambda: f"STORE{digits(4)}-POS{digits(2)}", "goods_tag": v2_text,
        "limit_pay": lambda: "no_credit", "fee_type": lambda: "CNY",
    }
    for key, make in optional.items():
        if rng.random() < 0.6:
            params[key] = make()
    for key in rng.sample(V2_ODD_NAMES, rng.randint(0, 4)):
        params[key] = v2_text() if rng.random() < 0.7 else digits(rng.randint(1, 4))
    # Empty values are dropped from the signed string; "0" is not empty and is signed.
    for key in rng.sample(["goods_tag", "attach", "coupon_fee", "A_x", "_x"], rng.randint(0, 2)):
        params[key] = ""
    if rng.random() < 0.4:
        params[rng.choice(["coupon_fee", "a_x", "settlement_total_fee"])] = "0"
    return params


def v2_response_fields():
    fields = {"return_code": "SUCCESS", "return_msg": "OK", "appid": "wx" + alnum(16, string.ascii_lowercase),
              "mch_id": digits(10), "nonce_str": alnum(16), "result_code": rng.choice(["SUCCESS", "FAIL"])}
    optional = {
        "openid": lambda: "oUpF8u" + alnum(22), "is_subscribe": lambda: "N", "trade_type": lambda: "MICROPAY",
        "bank_type": lambda: rng.choice(["CMC", "OTHERS", "ICBC_DEBIT"]), "total_fee": lambda: str(rng.randint(1, 10**6)),
        "cash_fee": lambda: str(rng.randint(1, 10**6)), "fee_type": lambda: "CNY", "transaction_id": lambda: "42" + digits(26),
        "out_trade_no": lambda: "S" + digits(25), "attach": v2_text, "time_end": lambda: "2024060112" + digits(4),
        "device_info": v2_text, "promotion_detail": v2_detail, "err_code_des": v2_text,
        "new_field_2025": v2_text,  # unknown to us: still signed
    }
    for key, make in optional.items():
        if rng.random() < 0.6:
            fields[key] = make()
    for key in rng.sample(V2_ODD_NAMES, rng.randint(0, 3)):
        fields[key] = v2_text()
    if rng.random() < 0.5:
        fields["coupon_fee"] = rng.choice(["", "0"])
    return fields


def v2_sign(params, key, sign_type):
    return (calculate_signature_hmac if sign_type == "HMAC-SHA256" else calculate_signature)(params, key)


def v2_spec_string(params, key):
    """§2.2 steps 1–4, written out: drop empty, byte-wise sort, join raw, append &key=."""
    pairs = sorted((k.encode(), v) for k, v in params.items() if k != "sign" and v != "")
    return "&".join(f"{k.decode()}={v}" for k, v in pairs) + "&key=" + key


def xml_text(value):
    """The value as XML text: CDATA, or escaped with entity and character references (§2.2: signed
    values are the text after unescaping / CDATA unwrapping)."""
    if rng.random() < 0.5:
        return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"
    out = []
    for i, ch in enumerate(value):
        if ch == "&":
            out.append("&amp;")
        elif ch == "<":
            out.append("&lt;")
        elif ch == ">":
            out.append("&gt;" if value[max(0, i - 2):i] == "]]" else rng.choice([">", "&gt;"]))
        elif ch == '"':
            out.append(rng.choice(['"', "&quot;"]))
        elif ch == "'":
            out.append(rng.choice(["'", "&apos;"]))
        elif ord(ch) > 127 and rng.random() < 0.3:
            out.append(rng.choice([f"&#{ord(ch)};", f"&#x{ord(ch):x};"]))
        else:
            out.append(ch)
    return "".join(out)


def v2_xml(fields, sign, self_closing=False):
    """A response as WeChat might lay it out: any order, sign anywhere, CDATA or escaped text."""
    items = list(fields.items())
    rng.shuffle(items)
    items.insert(rng.randrange(len(items) + 1), ("sign", sign))
    newline = rng.choice(["", "\n"])
    parts = []
    for key, value in items:
        if value == "" and self_closing:
            parts.append(f"<{key}/>")
        else:
            parts.append(f"<{key}>{xml_text(value)}</{key}>")
    return "<xml>" + newline + newline.join(parts) + newline + "</xml>"


def v2_sign_check(params, key, sign_type):
    def check(got):
        expected_string = format_url(params, key).decode("utf-8")
        # wechatpy signs exactly the string the spec describes.
        assert expected_string == v2_spec_string(params, key)
        fields_equal(got, sign=v2_sign(params, key, sign_type), string_to_sign=expected_string)
    return check


def v2_case_key():
    return V2_KEY if rng.random() < 0.6 else alnum(32)


def with_key(case, key):
    if key != V2_KEY:
        case["api_key"] = key
    return case


for i in range(200):
    sign_type = "MD5" if i % 2 == 0 else "HMAC-SHA256"
    params = v2_request_params()
    # sign_type, when sent, is an ordinary signed parameter.
    if rng.random() < (0.8 if sign_type == "HMAC-SHA256" else 0.3):
        params["sign_type"] = sign_type
    key = v2_case_key()
    v2.add(with_key({"id": f"v2-sign-{i:03}", "kind": "sign", "sign_type": sign_type, "params": params}, key),
           v2_sign_check(params, key, sign_type))

# The ordering rule in one readable case (byte-wise: upper case, then "_", then lower case).
ORDER_PARAMS = {"a_x": "1", "_x": "2", "A_x": "3", "appid": "wx1", "zero": "0", "empty": "", "b": "x=y&z"}


def check_order(got):
    assert got.get("string_to_sign") == f"A_x=3&_x=2&a_x=1&appid=wx1&b=x=y&z&zero=0&key={V2_KEY}", got
    v2_sign_check(ORDER_PARAMS, V2_KEY, "MD5")(got)


v2.add({"id": "v2-sign-order", "kind": "sign", "sign_type": "MD5", "params": ORDER_PARAMS}, check_order)


def v2_valid(expected):
    return lambda got: fields_equal(got, valid=expected)


def changed(value):
    if value.isdigit():
        return value[:-1] + str((int(value[-1]) + 1) % 10)
    return value + rng.choice(["x", " ", "饮"])


for i in range(100):
    sign_type = rng.choice(["MD5", "HMAC-SHA256"])
    other_type = "MD5" if sign_type == "HMAC-SHA256" else "HMAC-SHA256"
    key = v2_case_key()
    fields = v2_response_fields()
    if i % 25 == 0:
        fields["attach"] = "a]]>b" + v2_text()  # "]]>" must survive the split-CDATA escape
    sign = v2_sign(fields, key, sign_type)
    # wechatpy's own XML for half of them ("]]>" cannot go through its CDATA writer).
    xml = dict_to_xml(fields, sign) if i % 2 == 0 and "]]>" not in fields.get("attach", "") else v2_xml(fields, sign)
    base = {"kind": "verify_response", "sign_type_of_request": sign_type, "response_xml": xml}
    v2.add(with_key({"id": f"v2-resp-{i:03}-ok", **base}, key), v2_valid(True))

    tampered = dict(fields)
    victim = rng.choice(sorted(k for k, v in fields.items() if v))
    tampered[victim] = changed(fields[victim])
    assert v2_sign(tampered, key, sign_type) != sign
    v2.add(with_key({"id": f"v2-resp-{i:03}-changed-{victim}", **base, "response_xml": v2_xml(tampered, sign)}, key),
           v2_valid(False))
    if i % 5 == 0:  # responses carry no sign_type: the request's algorithm decides
        v2.add(with_key({"id": f"v2-resp-{i:03}-other-algorithm", **base, "sign_type_of_request": other_type}, key),
               v2_valid(False))
    if i % 5 == 1:  # every received field is signed, unknown ones too
        extra = dict(fields, added_later=v2_text())
        v2.add(with_key({"id": f"v2-resp-{i:03}-added-field", **base, "response_xml": v2_xml(extra, sign)}, key),
               v2_valid(False))
    if i % 5 == 2:
        fewer = dict(fields)
        del fewer[victim]
        v2.add(with_key({"id": f"v2-resp-{i:03}-removed-field", **base, "response_xml": v2_xml(fewer, sign)}, key),
               v2_valid(False))
    if i % 5 == 3:
        v2.add(with_key({"id": f"v2-resp-{i:03}-other-key", **base}, alnum(32)), v2_valid(False))
    if i % 20 == 4:  # an empty field written as an empty-element tag: its text is "" (dropped)
        fields_with_empty = dict(fields, coupon_fee="")
        empty_sign = v2_sign(fields_with_empty, key, sign_type)
        v2.add(with_key({"id": f"v2-resp-{i:03}-empty-element-tag", **base,
                         "response_xml": v2_xml(fields_with_empty, empty_sign, self_closing=True)}, key),
               v2_valid(True))


# --- refund notification (§2.6) -------------------------------------------------------------------

def refund_root(length_multiple_of_16):
    fields = {
        "out_refund_no": "R" + digits(25), "out_trade_no": "S" + digits(25),
        "refund_account": rng.choice(["REFUND_SOURCE_RECHARGE_FUNDS", "REFUND_SOURCE_UNSETTLED_FUNDS"]),
        "refund_fee": str(rng.randint(1, 10**5)), "refund_id": "503" + digits(26),
        "refund_recv_accout": rng.choice(["支付用户零钱", "招商银行信用卡0403", "支付用户零钱通"]),
        "refund_request_source": rng.choice(["API", "VENDOR_PLATFORM"]),
        "refund_status": rng.choice(["SUCCESS", "CHANGE", "REFUNDCLOSE"]),
        "settlement_refund_fee": str(rng.randint(1, 10**5)), "settlement_total_fee": str(rng.randint(1, 10**5)),
        "success_time": f"2024-06-0{rng.randint(1, 9)} 13:{rng.randint(10, 59)}:{rng.randint(10, 59)}",
        "total_fee": str(rng.randint(1, 10**5)), "transaction_id": "42" + digits(26),
    }
    keep = dict(rng.sample(sorted(fields.items()), rng.randint(6, len(fields))))
    if rng.random() < 0.5:
        keep["refund_desc"] = mixed_text(["&", "<", ">", " ", '"', "=", "退货"]).strip()

    def render(values):
        return "<root>" + "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in values.items()) + "</root>"

    if length_multiple_of_16:  # a whole padding block then follows the plaintext
        overhead = len(render(keep).encode()) + len("<attach><![CDATA[]]></attach>")
        keep["attach"] = "A" * (16 - overhead % 16 or 16)
        assert len(render(keep).encode()) % 16 == 0
    return render(keep), keep


def refund_encrypt(plaintext, api_key):
    key = hashlib.md5(api_key.encode()).hexdigest().encode()  # the 32 ASCII hex characters
    padder = block_padding.PKCS7(128).padder()
    data = padder.update(plaintext.encode()) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return base64.b64encode(encryptor.update(data) + encryptor.finalize()).decode()


def refund_notify(req_info, appid, mch_id):
    wrapped = f"<![CDATA[{req_info}]]>" if rng.random() < 0.7 else req_info
    return (f"<xml><return_code>SUCCESS</return_code><appid><![CDATA[{appid}]]></appid>"
            f"<mch_id><![CDATA[{mch_id}]]></mch_id><nonce_str><![CDATA[{alnum(16)}]]></nonce_str>"
            f"<req_info>{wrapped}</req_info></xml>")


for i in range(24):
    key = v2_case_key()
    plaintext, fields = refund_root(i % 3 == 0)
    req_info = refund_encrypt(plaintext, key)
    appid, mch_id = "wx" + alnum(16, string.ascii_lowercase), digits(10)
    notify_xml = refund_notify(req_info, appid, mch_id)

    def check(got, plaintext=plaintext, fields=fields, key=key, req_info=req_info, notify_xml=notify_xml,
              appid=appid, mch_id=mch_id):
        fields_equal(got, plaintext=plaintext, fields=fields)
        # wechatpy decrypts the same ciphertext to the same text and fields.
        md5_key = hashlib.md5(key.encode()).hexdigest().encode()
        assert RefundCrypto(md5_key).decrypt(req_info).decode() == plaintext
        assert dict(WeChatRefundCrypto(key).decrypt_message(notify_xml, appid, mch_id)) == fields

    v2.add(with_key({"id": f"v2-refund-{i:03}", "kind": "refund_notify_decrypt", "notify_xml": notify_xml}, key),
           check)
    if i % 4 == 0:
        def wrong(got, plaintext=plaintext):
            assert got.get("plaintext") != plaintext, got
        v2.add({"id": f"v2-refund-{i:03}-other-key", "kind": "refund_notify_decrypt", "notify_xml": notify_xml,
                "api_key": alnum(32)}, wrong)


# ==================================================================================================
# WeChat Pay v3 (§3.1–3.3)
# ==================================================================================================

MERCHANT_KEY, PLATFORM_KEY, PLATFORM_CERT_KEY = new_key(), new_key(), new_key()
PLATFORM_SERIAL = rng.getrandbits(159) | (1 << 158)  # 40 hex digits, like WeChat's
PLATFORM_NAME = name("CN", "Tenpay.com", "Tenpay.com CA Center", "Tenpay.com Root CA test platform")
PLATFORM_CERT = certificate(PLATFORM_CERT_KEY, PLATFORM_NAME, PLATFORM_CERT_KEY, PLATFORM_NAME, PLATFORM_SERIAL)
PLATFORM_SERIAL_HEX = format(PLATFORM_SERIAL, "X")
PUB_KEY_ID = "PUB_KEY_ID_01" + digits(32)
APIV3_KEY = alnum(32)
MCHID = "19" + digits(8)
MERCHANT_SERIAL = alnum(40, "0123456789ABCDEF")
FILES.update({
    "keys/wechat_merchant_private.pem": private_pem(MERCHANT_KEY),
    "keys/wechat_merchant_public.pem": public_pem(MERCHANT_KEY),
    "keys/wechat_platform_public.pem": public_pem(PLATFORM_KEY),
    "keys/wechat_platform_cert.pem": cert_pem(PLATFORM_CERT),
})
V3_TOP = dict(apiv3_key=APIV3_KEY, platform_certificate_file="keys/wechat_platform_cert.pem",
              platform_certificate_serial_hex=PLATFORM_SERIAL_HEX,
              platform_public_key_file="keys/wechat_platform_public.pem", platform_public_key_id=PUB_KEY_ID,
              merchant_private_key_file="keys/wechat_merchant_private.pem",
              merchant_public_key_file="keys/wechat_merchant_public.pem")
v3 = Suite("wechat_v3", **V3_TOP)
# Two platform keys, so the tool must pick the right one: the "platform public key" (by its id) and
# the key of the platform certificate (by the certificate's serial).
SIGNERS = {"pubkey": (PLATFORM_KEY, PUB_KEY_ID), "cert": (PLATFORM_CERT_KEY, PLATFORM_SERIAL_HEX)}
V3_SYMBOLS = [" ", "&", "=", '"', "'", "<", ">", "\\", "/", "{", "}", "😀", "\n"]
NOW = 1717216250


def v3_json(value):
    return json.dumps(value, ensure_ascii=rng.random() < 0.3,
                      separators=rng.choice([(",", ":"), (", ", ": ")]),
                      indent=2 if rng.random() < 0.1 else None)


def v3_transaction():
    total = rng.randint(1, 10**6)
    return {"mchid": MCHID, "appid": "wx" + alnum(16, string.ascii_lowercase), "out_trade_no": "S" + digits(25),
            "transaction_id": "42" + digits(26), "trade_type": "MICROPAY",
            "trade_state": rng.choice(["SUCCESS", "USERPAYING", "NOTPAY", "CLOSED"]),
            "trade_state_desc": mixed_text(V3_SYMBOLS), "bank_type": "CMC", "attach": rng.choice(["", mixed_text(V3_SYMBOLS)]),
            "success_time": "2024-06-01T12:30:47+08:00", "payer": {"openid": "oUpF8u" + alnum(22)},
            "amount": {"total": total, "payer_total": total, "currency": "CNY", "payer_currency": "CNY"}}


def v3_core(apiv3_key=APIV3_KEY):
    """wechatpayv3's client, offline: given the platform public key, it never fetches certificates."""
    core = Core(MCHID, MERCHANT_SERIAL, private_pem(MERCHANT_KEY).decode(), apiv3_key,
                public_key=public_pem(PLATFORM_KEY).decode(), public_key_id=PUB_KEY_ID)
    core._certificates.append(PLATFORM_CERT)
    return core


def v3_headers(body, signer="pubkey", timestamp=None, nonce=None, serial=None, signature=None):
    key, default_serial = SIGNERS[signer]
    timestamp = str(NOW - rng.randint(0, 60) if timestamp is None else timestamp)
    nonce = nonce or alnum(32, "0123456789abcdef")
    return {"Wechatpay-Timestamp": timestamp, "Wechatpay-Nonce": nonce,
            "Wechatpay-Signature": signature or wxv3.rsa_sign(key, f"{timestamp}\n{nonce}\n{body}\n"),
            "Wechatpay-Serial": serial or default_serial, "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048"}


def signtest(signature):
    """WeChat's deliberate wrong signatures start WECHATPAY/SIGNTEST/. Laid over a real signature,
    the value stays strict base64 of 256 bytes, so only the prefix rule or the verification rejects it."""
    return "WECHATPAY/SIGNTEST/" + signature[len("WECHATPAY/SIGNTEST/"):]


# --- 3.1 the Authorization header -----------------------------------------------------------------

def v3_request():
    otn = "S" + digits(25)
    choice = rng.randrange(6)
    if choice == 0:
        body = {"appid": "wx" + alnum(16, string.ascii_lowercase), "mchid": MCHID, "description": mixed_text(V3_SYMBOLS),
                "out_trade_no": otn, "payer": {"auth_code": "13" + digits(16)},
                "amount": {"total": rng.randint(1, 10**6), "currency": "CNY"},
                "scene_info": {"device_ip": "10.8.3.21", "store_info": {"out_id": "STORE" + digits(4)}}}
        return "POST", "/v3/pay/transactions/codepay", v3_json(body)
    if choice == 1:
        return "GET", f"/v3/pay/transactions/out-trade-no/{otn}?mchid={MCHID}", ""
    if choice == 2:
        return "POST", f"/v3/pay/transactions/out-trade-no/{otn}/reverse", v3_json({"appid": "wx1", "mchid": MCHID})
    if choice == 3:
        body = {"out_trade_no": otn, "out_refund_no": "R" + digits(25), "reason": mixed_text(V3_SYMBOLS),
                "amount": {"refund": 100, "total": 1250, "currency": "CNY"}}
        return "POST", "/v3/refund/domestic/refunds", v3_json(body)
    if choice == 4:
        return "GET", f"/v3/bill/tradebill?bill_date=2024-06-0{rng.randint(1, 9)}&bill_type=ALL", ""
    return "GET", f"/v3/refund/domestic/refunds/R%2B{digits(6)}?sub_mchid={digits(10)}", ""


def v3_authorization_check(method, url, timestamp, nonce, body):
    def check(got):
        message = f"{method}\n{url}\n{timestamp}\n{nonce}\n{body}\n"
        expected_signature = wxv3.rsa_sign(MERCHANT_KEY, message)  # PKCS#1 v1.5 is deterministic
        with mock.patch.object(wxv3.time, "time", return_value=int(timestamp)):
            expected_header = wxv3.build_authorization(url, method, MCHID, MERCHANT_SERIAL, MERCHANT_KEY,
                                                       data=body, nonce_str=nonce)
        fields_equal(got, message=message, signature=expected_signature, authorization=expected_header)
        # The signature verifies with the merchant public key over the message as the tool gives it.
        MERCHANT_KEY.public_key().verify(base64.b64decode(got["signature"]), got["message"].encode(),
                                         padding.PKCS1v15(), hashes.SHA256())
    return check


for i in range(40):
    method, url, body = v3_request()
    timestamp, nonce = str(NOW + rng.randint(-10**6, 10**6)), alnum(32, string.ascii_uppercase + string.digits)
    v3.add({"id": f"v3-auth-{i:03}", "kind": "authorization", "mchid": MCHID, "serial_no": MERCHANT_SERIAL,
            "private_key_file": "keys/wechat_merchant_private.pem", "method": method, "url_path_with_query": url,
            "timestamp": timestamp, "nonce_str": nonce, "body": body},
           v3_authorization_check(method, url, timestamp, nonce, body))


# --- 3.2 response signatures ----------------------------------------------------------------------

def v3_verify_check(headers, body, now, valid, sdk=True):
    fresh = abs(now - int(headers["Wechatpay-Timestamp"])) <= 300

    def check(got):
        if headers["Wechatpay-Signature"].startswith("WECHATPAY/SIGNTEST/") and got.get("error") is True:
            return  # §3.2 says "reject (return an error)"; an error answer is a rejection too
        fields_equal(got, valid=valid, fresh=fresh)
        if sdk:  # wechatpayv3 agrees on the signature (it does not check freshness at all)
            assert v3_core()._verify_signature(dict(headers), body) is valid
    return check


def v3_body():
    roll = rng.random()
    if roll < 0.05:
        return ""  # e.g. 204 answers: the signed message ends "\n\n"
    body = v3_json(v3_transaction())
    return body + "\n" if roll < 0.1 else body


OFFSETS = [0, 1, -1, 299, 300, -300, 301, -301, 3600, -86400]
for i in range(40):
    signer = "pubkey" if i % 2 == 0 else "cert"
    body = v3_body()
    offset = OFFSETS[i % len(OFFSETS)] if i < 20 else rng.randint(-200, 200)
    headers = v3_headers(body, signer, timestamp=NOW - offset if i < 20 else None)
    base = {"kind": "verify_response", "headers": headers, "body": body, "now": NOW}
    v3.add({"id": f"v3-verify-{i:03}-{signer}", **base}, v3_verify_check(headers, body, NOW, True))

    if body:
        tampered = body.replace('"CNY"', '"USD"', 1) if '"CNY"' in body else body + " "
        v3.add({"id": f"v3-verify-{i:03}-body-changed", **base, "body": tampered},
               v3_verify_check(headers, tampered, NOW, False))
    if i % 4 == 0:
        other = dict(headers, **{"Wechatpay-Nonce": headers["Wechatpay-Nonce"][::-1]})
        v3.add({"id": f"v3-verify-{i:03}-nonce-changed", **base, "headers": other},
               v3_verify_check(other, body, NOW, False))
    if i % 4 == 1:
        other = dict(headers, **{"Wechatpay-Timestamp": str(int(headers["Wechatpay-Timestamp"]) + 1)})
        v3.add({"id": f"v3-verify-{i:03}-timestamp-changed", **base, "headers": other},
               v3_verify_check(other, body, NOW, False))
    if i % 4 == 2:  # the other platform key's id/serial: the signature cannot verify with that key
        crossed = PLATFORM_SERIAL_HEX if signer == "pubkey" else PUB_KEY_ID
        other = dict(headers, **{"Wechatpay-Serial": crossed})
        v3.add({"id": f"v3-verify-{i:03}-crossed-key", **base, "headers": other},
               v3_verify_check(other, body, NOW, False))
    if i % 4 == 3:  # an unknown serial or key id (wechatpayv3 would go online to look it up)
        unknown = rng.choice(["PUB_KEY_ID_01" + digits(32), alnum(40, "0123456789ABCDEF")])
        other = dict(headers, **{"Wechatpay-Serial": unknown})
        v3.add({"id": f"v3-verify-{i:03}-unknown-serial", **base, "headers": other},
               v3_verify_check(other, body, NOW, False, sdk=False))
    if i % 5 == 0:
        other = dict(headers, **{"Wechatpay-Signature": signtest(headers["Wechatpay-Signature"])})
        v3.add({"id": f"v3-verify-{i:03}-signtest", **base, "headers": other},
               v3_verify_check(other, body, NOW, False))
    if i % 5 == 1:  # signed by the merchant's own key
        forged = wxv3.rsa_sign(MERCHANT_KEY, f"{headers['Wechatpay-Timestamp']}\n{headers['Wechatpay-Nonce']}\n{body}\n")
        other = dict(headers, **{"Wechatpay-Signature": forged})
        v3.add({"id": f"v3-verify-{i:03}-merchant-key", **base, "headers": other},
               v3_verify_check(other, body, NOW, False))


# --- 3.3 callback resources -----------------------------------------------------------------------

def encrypt_resource(plaintext, apiv3_key, nonce, associated_data):
    sealed = AESGCM(apiv3_key.encode()).encrypt(nonce.encode(), plaintext.encode(), associated_data.encode())
    return base64.b64encode(sealed).decode()


def flip(b64, position):
    raw = bytearray(base64.b64decode(b64))
    raw[position] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


def callback_body(resource, event_type):
    return v3_json({"id": "EV-" + digits(19), "create_time": "2024-06-01T12:30:48+08:00",
                    "resource_type": "encrypt-resource", "event_type": event_type,
                    "summary": rng.choice(["支付成功", "退款成功"]), "resource": resource})


def callback_ok(plaintext, headers, body, resource, apiv3_key):
    def check(got):
        fields_equal(got, plaintext=plaintext)
        assert wxv3.aes_decrypt(resource["nonce"], resource["ciphertext"], resource["associated_data"],
                                apiv3_key) == plaintext
        assert v3_core(apiv3_key).decrypt_callback(dict(headers), body) == plaintext
    return check


def callback_error(headers=None, body=None, apiv3_key=APIV3_KEY, sdk_rejects=True):
    def check(got):
        failed(got)
        if sdk_rejects:
            assert v3_core(apiv3_key).decrypt_callback(dict(headers), body) is None
    return check


for i in range(30):
    signer = "pubkey" if i % 2 == 0 else "cert"
    own_key = i % 6 == 5  # a case's own apiv3_key overrides the file's
    apiv3_key = alnum(32) if own_key else APIV3_KEY
    refund = i % 3 == 2
    if refund:
        obj = {"mchid": MCHID, "out_trade_no": "S" + digits(25), "transaction_id": "42" + digits(26),
               "out_refund_no": "R" + digits(25), "refund_id": "503" + digits(26), "refund_status": "SUCCESS",
               "success_time": "2024-06-01T13:00:21+08:00", "user_received_account": "支付用户零钱",
               "amount": {"total": 1250, "refund": 250, "payer_total": 1250, "payer_refund": 250}}
    else:
        obj = v3_transaction()
    plaintext = v3_json(obj)
    nonce = alnum(12)
    associated_data = rng.choice(["refund" if refund else "transaction", "certificate", ""])
    resource = {"original_type": "refund" if refund else "transaction", "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": encrypt_resource(plaintext, apiv3_key, nonce, associated_data),
                "associated_data": associated_data, "nonce": nonce}
    event = "REFUND.SUCCESS" if refund else "TRANSACTION.SUCCESS"
    body = callback_body(resource, event)
    headers = v3_headers(body, signer)
    case = {"kind": "decrypt_callback", "headers": headers, "body": body, "now": NOW}
    if own_key:
        case["apiv3_key"] = apiv3_key
    v3.add({"id": f"v3-callback-{i:03}-{signer}", **case}, callback_ok(plaintext, headers, body, resource, apiv3_key))

    def resigned(new_resource, tag):
        new_body = callback_body(new_resource, event)
        new_headers = v3_headers(new_body, signer)
        v3.add({"id": f"v3-callback-{i:03}-{tag}", **case, "headers": new_headers, "body": new_body},
               callback_error(new_headers, new_body, apiv3_key))

    if i % 5 == 0:  # a flipped ciphertext byte, correctly signed: the GCM tag fails
        resigned(dict(resource, ciphertext=flip(resource["ciphertext"], rng.randrange(len(plaintext.encode())))),
                 "ciphertext-flipped")
    if i % 5 == 1:  # a flipped tag byte
        resigned(dict(resource, ciphertext=flip(resource["ciphertext"], -rng.randint(1, 16))), "tag-flipped")
    if i % 5 == 2:  # other associated data
        resigned(dict(resource, associated_data=associated_data + "x"), "aad-changed")
    if i % 5 == 3:  # another APIv3 key
        other_key = alnum(32)
        v3.add({"id": f"v3-callback-{i:03}-other-apiv3-key", **case, "apiv3_key": other_key},
               callback_error(headers, body, other_key))
    if i % 5 == 4:  # body changed after signing: the signature fails before any decryption
        changed_body = body.replace(event, event.replace("SUCCESS", "CLOSED"))
        v3.add({"id": f"v3-callback-{i:03}-body-changed", **case, "body": changed_body},
               callback_error(headers, changed_body, apiv3_key))
    if i % 6 == 0:  # stale: wechatpayv3 has no freshness check, the spec rejects beyond 300 s
        stale = v3_headers(body, signer, timestamp=NOW - 301)
        v3.add({"id": f"v3-callback-{i:03}-stale", **case, "headers": stale},
               callback_error(stale, body, apiv3_key, sdk_rejects=False))
    if i % 6 == 1:
        st = dict(headers, **{"Wechatpay-Signature": signtest(headers["Wechatpay-Signature"])})
        v3.add({"id": f"v3-callback-{i:03}-signtest", **case, "headers": st}, callback_error(st, body, apiv3_key))


# ==================================================================================================
# Alipay (§4.2–4.5)
# ==================================================================================================

APP_ID = "2021" + digits(12)
APP_KEY, ALIPAY_KEY, CA_KEY = new_key(), new_key(), new_key()


def bare(pem):
    """Alipay's key tool writes keys as bare base64 without PEM armour (§4.2)."""
    return "".join(line for line in pem.decode().splitlines() if not line.startswith("-----")).encode()


FILES.update({
    "keys/alipay_app_private.pem": private_pem(APP_KEY),
    "keys/alipay_app_public.pem": public_pem(APP_KEY),
    "keys/alipay_platform_private.pem": private_pem(ALIPAY_KEY),
    "keys/alipay_platform_public.pem": public_pem(ALIPAY_KEY),
    "keys/alipay_app_private_pkcs1.pem": private_pem(APP_KEY, serialization.PrivateFormat.TraditionalOpenSSL),
    "keys/alipay_app_private_pkcs8.txt": bare(private_pem(APP_KEY)),
    "keys/alipay_app_private_pkcs1.txt": bare(private_pem(APP_KEY, serialization.PrivateFormat.TraditionalOpenSSL)),
    "keys/alipay_platform_public.txt": bare(public_pem(ALIPAY_KEY)),
})
ali = Suite("alipay", app_id=APP_ID, app_private_key_file="keys/alipay_app_private.pem",
            app_public_key_file="keys/alipay_app_public.pem", alipay_public_key_file="keys/alipay_platform_public.pem")
# The SDK signing with our app key (and verifying with the app public key: what Alipay checks) ...
APP_SDK = AliPay(APP_ID, app_private_key_string=private_pem(APP_KEY).decode(),
                 alipay_public_key_string=public_pem(APP_KEY).decode())
# ... and signing as Alipay does, verifying with the Alipay public key (what a merchant checks).
ALIPAY_SDK = AliPay(APP_ID, app_private_key_string=private_pem(ALIPAY_KEY).decode(),
                    alipay_public_key_string=public_pem(ALIPAY_KEY).decode())
ALI_SYMBOLS = [" ", "&", "+", "/", "=", "%", "?", "#", '"', ":", ",", "{", "}", "%2B", "a+b", " & "]
METHODS = ["alipay.trade.pay", "alipay.trade.query", "alipay.trade.cancel", "alipay.trade.refund",
           "alipay.trade.fastpay.refund.query"]
# Characters that URL encoders disagree on (Python's quote_plus keeps "~", encodes "*!'()").
ENCODER_DEPENDENT = set("~*!'()")


def ali_text():
    return mixed_text(ALI_SYMBOLS)


def yuan():
    fen = rng.randint(1, 10**7)
    return f"{fen // 100}.{fen % 100:02d}"


def ali_request_params():
    biz = {"out_trade_no": "S" + digits(25), "scene": "bar_code", "auth_code": "28" + digits(16),
           "subject": ali_text(), "total_amount": yuan(), "store_id": "STORE" + digits(4), "terminal_id": "POS" + digits(2),
           "timeout_express": "2m"}
    if rng.random() < 0.5:
        biz["body"] = ali_text()
    if rng.random() < 0.3:
        biz["extend_params"] = {"sys_service_provider_id": "2088" + digits(12), "memo": ali_text()}
    params = {"app_id": APP_ID, "method": rng.choice(METHODS), "charset": "utf-8", "sign_type": "RSA2",
              "timestamp": f"2024-06-0{rng.randint(1, 9)} {rng.randint(10, 23)}:{rng.randint(10, 59)}:{rng.randint(10, 59)}",
              "version": "1.0",
              "biz_content": json.dumps(biz, ensure_ascii=rng.random() < 0.3,
                                        separators=rng.choice([(",", ":"), (", ", ": ")]))}
    if rng.random() < 0.4:
        params["format"] = "JSON"
    if rng.random() < 0.3:
        params["notify_url"] = f"https://pay.example.com/alipay/notify?store={digits(4)}&x=a+b/c"
    if rng.random() < 0.3:
        params["app_auth_token"] = "202406BB" + alnum(24)
    if rng.random() < 0.1:
        params["passback_params"] = "memo~(" + ali_text() + ")*!'"
    return params


def sdk_string(params):
    """What python-alipay-sdk signs: `sign_data` joins `_ordered_data` as k=v with &."""
    return "&".join("{}={}".format(k, v) for k, v in APP_SDK._ordered_data(dict(params)))


def sign_request_check(params, string_to_sign=None):
    def check(got):
        expected_string = string_to_sign or sdk_string(params)
        expected_sign = APP_SDK._sign(expected_string)  # PKCS#1 v1.5 is deterministic
        fields_equal(got, string_to_sign=expected_string, sign=expected_sign)
        assert APP_SDK._verify(got["string_to_sign"], got["sign"])  # the SDK's verification, app public key
        if string_to_sign is not None:
            return  # the SDK keeps empty values (§4.2 drops them): no query-string comparison
        query = got.get("query_string")
        assert isinstance(query, str), got
        pairs = urllib.parse.parse_qsl(query, keep_blank_values=True, strict_parsing=True)
        assert pairs == APP_SDK._ordered_data(dict(params)) + [("sign", expected_sign)]
        if not ENCODER_DEPENDENT & set("".join(params.values())):
            assert query == APP_SDK.sign_data(dict(params))
    return check


for i in range(60):
    params = ali_request_params()
    ali.add({"id": f"ali-sign-{i:03}", "kind": "sign_request", "params": params,
             "private_key_file": "keys/alipay_app_private.pem"}, sign_request_check(params))

# Empty parameters are dropped (§4.2 step 2). python-alipay-sdk keeps them, so the expected string
# is the SDK's string for the parameters without the empty ones.
for i in range(3):
    params = {k: v for k, v in ali_request_params().items() if k not in ("notify_url", "app_auth_token")}
    full = dict(params, notify_url="", app_auth_token="", return_url="")
    ali.add({"id": f"ali-sign-empty-{i}", "kind": "sign_request", "params": full,
             "private_key_file": "keys/alipay_app_private.pem"},
            sign_request_check(params, sdk_string(params)))

# The same key in the forms §4.2 says are accepted: PKCS#1 or PKCS#8, with or without PEM armour.
for form in ["keys/alipay_app_private_pkcs1.pem", "keys/alipay_app_private_pkcs8.txt",
             "keys/alipay_app_private_pkcs1.txt"]:
    params = ali_request_params()
    ali.add({"id": f"ali-sign-keyform-{Path(form).name}", "kind": "sign_request", "params": params,
             "private_key_file": form}, sign_request_check(params))


# --- 4.3 synchronous responses --------------------------------------------------------------------

def ali_node(method, tricky):
    if rng.random() < 0.8:
        amount = yuan()
        node = {"code": rng.choice(["10000", "10003"]), "msg": "Success", "buyer_logon_id": "159****" + digits(4),
                "buyer_pay_amount": amount, "buyer_user_id": "2088" + digits(12),
                "fund_bill_list": [{"amount": amount, "fund_channel": "ALIPAYACCOUNT"}],
                "gmt_payment": "2024-06-01 12:31:04", "out_trade_no": "S" + digits(25), "total_amount": amount,
                "trade_no": "2024" + digits(24), "store_name": ali_text()}
    else:
        node = {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_NOT_EXIST", "sub_msg": "交易不存在"}
    if method.endswith("refund"):
        node["fund_change"] = rng.choice(["Y", "N"])
    if tricky:  # braces, quotes and backslashes inside strings
        node["memo"] = rng.choice(['a{b}c', '}}"{', 'say "hi" \\ {', '{"x":1}', 'end}'])
    keys = list(node)
    rng.shuffle(keys)  # any key order
    return {k: node[k] for k in keys}


def braces_in_strings(value):
    if isinstance(value, dict):
        return any(braces_in_strings(v) for v in value.values())
    if isinstance(value, list):
        return any(braces_in_strings(v) for v in value)
    return "{" in value or "}" in value


def ali_serialize(node):
    text = json.dumps(node, ensure_ascii=rng.random() < 0.4,  # \u5168 escapes kept as received
                      separators=rng.choice([(",", ":"), (", ", ": ")]))
    if rng.random() < 0.2:
        text = text.replace("/", "\\/")  # "/" appears only inside strings here
    return text


def ali_document(node_name, node_text, sign, layout, decoy=False):
    parts = [f'"{node_name}":{node_text}', f'"sign":"{sign}"']
    if layout == 1:
        parts.reverse()  # sign before the node
    if layout == 2:
        parts.insert(1, '"alipay_cert_sn":"' + alnum(32, "0123456789abcdef") + '"')
    if decoy:  # the node's name inside an earlier string, braces after it
        parts.insert(0, f'"note":"see {node_name} {{here}}"')
    if layout == 3:
        return "{\n  " + ",\n  ".join(p.replace('":', '": ', 1) for p in parts) + "\n}"
    return "{" + ",".join(parts) + "}"


def ali_response_check(raw, node_text, valid, sdk_extracts):
    def check(got):
        fields_equal(got, valid=valid, signed_content=node_text)
        assert raw.count(got["signed_content"]) >= 1
        sign = json.loads(raw)["sign"]
        assert ALIPAY_SDK._verify(node_text, sign) is valid
        if sdk_extracts:
            # python-alipay-sdk's brace counter does not skip strings and finds the node's name by its
            # first occurrence anywhere, so it is only compared on responses without such traps.
            node_name = next(k for k in json.loads(raw) if k.endswith("_response"))
            assert ALIPAY_SDK._get_string_to_be_signed(raw, node_name) == node_text
    return check


for i in range(48):
    method = METHODS[i % len(METHODS)]
    node_name = method.replace(".", "_") + "_response"
    tricky = i % 4 == 3
    decoy = i % 16 == 7
    node = ali_node(method, tricky)
    tricky = braces_in_strings(node)
    node_text = ali_serialize(node)
    sign = ALIPAY_SDK._sign(node_text)
    layout = i % 4
    raw = ali_document(node_name, node_text, sign, layout, decoy)
    assert json.loads(raw)[node_name] == node
    base = {"kind": "verify_response", "method": method, "public_key_file": "keys/alipay_platform_public.pem"}
    ali.add({"id": f"ali-resp-{i:03}", **base, "raw_response": raw},
            ali_response_check(raw, node_text, True, not tricky and not decoy))

    if i % 3 == 0:  # one character of the node changed after signing
        changed_text = node_text.replace('"code"', '"cod\\u0065"', 1)
        raw2 = ali_document(node_name, changed_text, sign, layout)
        ali.add({"id": f"ali-resp-{i:03}-changed", **base, "raw_response": raw2},
                ali_response_check(raw2, changed_text, False, not tricky))
    if i % 3 == 1:  # signed compact, sent re-serialized with spaces (or the other way round)
        other_text = json.dumps(node, ensure_ascii=False, separators=(", ", ": "))
        if other_text == node_text:
            other_text = json.dumps(node, ensure_ascii=False, separators=(",", ":"))
        raw2 = ali_document(node_name, other_text, sign, layout)
        ali.add({"id": f"ali-resp-{i:03}-reserialized", **base, "raw_response": raw2},
                ali_response_check(raw2, other_text, False, not tricky))
    if i % 3 == 2:  # checked with our app public key instead of Alipay's
        ali.add({"id": f"ali-resp-{i:03}-app-key", **base, "raw_response": raw,
                 "public_key_file": "keys/alipay_app_public.pem"},
                lambda got, node_text=node_text: fields_equal(got, valid=False, signed_content=node_text))

node = ali_node("alipay.trade.pay", False)
node_text = ali_serialize(node)
raw = ali_document("alipay_trade_pay_response", node_text, ALIPAY_SDK._sign(node_text), 0)
ali.add({"id": "ali-resp-keyform-bare-public", "kind": "verify_response", "method": "alipay.trade.pay",
         "public_key_file": "keys/alipay_platform_public.txt", "raw_response": raw},
        ali_response_check(raw, node_text, True, not braces_in_strings(node)))


# --- 4.4 asynchronous notifications ---------------------------------------------------------------

def notify_form():
    amount = yuan()
    form = {"gmt_create": "2024-06-01 12:31:03", "charset": "utf-8", "gmt_payment": "2024-06-01 12:31:04",
            "notify_time": "2024-06-01 12:31:05", "subject": ali_text(), "buyer_id": "2088" + digits(12),
            "invoice_amount": amount, "version": "1.0", "notify_id": "2024060100222" + digits(21),
            "fund_bill_list": json.dumps([{"amount": amount, "fundChannel": "ALIPAYACCOUNT"}], separators=(",", ":")),
            "notify_type": "trade_status_sync", "out_trade_no": "S" + digits(25), "total_amount": amount,
            "trade_status": rng.choice(["TRADE_SUCCESS", "TRADE_FINISHED", "TRADE_CLOSED", "WAIT_BUYER_PAY"]),
            "trade_no": "2024" + digits(24), "auth_app_id": APP_ID, "receipt_amount": amount, "point_amount": "0.00",
            "app_id": APP_ID, "buyer_pay_amount": amount, "seller_id": "2088" + digits(12)}
    if rng.random() < 0.5:
        form["body"] = ali_text()
    if rng.random() < 0.4:  # already-decoded values holding "%", "+": decoded once, never twice
        form["passback_params"] = rng.choice(["a%3Db%26c", "x+y", "100%", "%E5%85%A8"])
    if rng.random() < 0.3:
        form["voucher_detail_list"] = json.dumps([{"name": "满10减1", "amount": "1.00"}], ensure_ascii=False)
    keys = list(form)
    rng.shuffle(keys)
    return {k: form[k] for k in keys}


def notify_string(form):
    """§4.4: without sign and sign_type, empty values dropped, sorted, joined raw."""
    return "&".join(f"{k}={v}" for k, v in sorted(form.items()) if k not in ("sign", "sign_type") and v != "")


def notify_check(form, valid, sdk):
    def check(got):
        fields_equal(got, valid=valid, string_to_verify=notify_string(form))
        if sdk:  # python-alipay-sdk's `verify` (it drops sign_type, keeps empty values)
            unsigned = {k: v for k, v in form.items() if k != "sign"}
            assert ALIPAY_SDK.verify(unsigned, form["sign"]) is valid
    return check


for i in range(48):
    form = notify_form()
    with_empty = i % 8 == 5
    if with_empty:
        form["buyer_logon_id"] = ""
    form["sign_type"] = "RSA2"
    form["sign"] = ALIPAY_SDK._sign(notify_string(form))
    case = {"kind": "verify_notify", "public_key_file": "keys/alipay_platform_public.pem", "form": form}
    if i % 2 == 0:  # the raw body as posted, values URL-encoded
        items = list(form.items())
        rng.shuffle(items)
        case["raw_body"] = "&".join(f"{urllib.parse.quote_plus(k)}={urllib.parse.quote_plus(v)}" for k, v in items)
    ali.add({"id": f"ali-notify-{i:03}", **case}, notify_check(form, True, not with_empty))

    if i % 3 == 0:  # signed over a string that kept sign_type
        kept = "&".join(f"{k}={v}" for k, v in sorted(form.items()) if k != "sign" and v != "")
        bad = dict(form, sign=ALIPAY_SDK._sign(kept))
        ali.add({"id": f"ali-notify-{i:03}-sign-type-signed", "kind": "verify_notify",
                 "public_key_file": "keys/alipay_platform_public.pem", "form": bad},
                notify_check(bad, False, not with_empty))
    if i % 3 == 1:  # one value changed
        bad = dict(form, total_amount=form["total_amount"] + "0")
        ali.add({"id": f"ali-notify-{i:03}-changed", "kind": "verify_notify",
                 "public_key_file": "keys/alipay_platform_public.pem", "form": bad},
                notify_check(bad, False, not with_empty))
    if i % 3 == 2:  # signed with our app key, not Alipay's
        bad = dict(form, sign=APP_SDK._sign(notify_string(form)))
        ali.add({"id": f"ali-notify-{i:03}-app-key", "kind": "verify_notify",
                 "public_key_file": "keys/alipay_platform_public.pem", "form": bad},
                notify_check(bad, False, not with_empty))


# --- 4.5 certificate SN ---------------------------------------------------------------------------

def spec_cert_sn(cert):
    """§4.5: MD5 hex of the issuer written CN=..,OU=..,O=..,C=.. followed by the decimal serial."""
    return hashlib.md5((cert.issuer.rfc4514_string() + str(cert.serial_number)).encode()).hexdigest()


def sdk_cert_sn(pem):
    with warnings.catch_warnings():  # pyOpenSSL deprecates the X509 calls the SDK makes
        warnings.simplefilter("ignore", DeprecationWarning)
        return DCAliPay.get_cert_sn(pem.decode())


CA_NAME = name("CN", "Ant Financial", "Certification Authority", "Ant Financial Certification Authority Class 2 R1")
SERIALS = [1, 255, 256, 2**63 - 1, 2**64 + 12345, x509.random_serial_number(), rng.getrandbits(159) | (1 << 158),
           rng.getrandbits(40) | 1]
for i, serial in enumerate(SERIALS):
    subject_key = new_key() if i < 2 else APP_KEY
    subject = name("CN", "Chainstore Test " + alnum(6), "Payments", "2088" + digits(12))
    if i == 0:  # self-signed: issuer and subject are the same
        cert = certificate(subject_key, subject, subject_key, subject, serial)
    else:  # issued by a CA whose name differs from the subject's: the issuer counts
        cert = certificate(subject_key, subject, CA_KEY, CA_NAME, serial)
    pem = cert_pem(cert)
    path = f"keys/alipay_cert_{i}.pem"
    FILES[path] = pem

    def check(got, cert=cert, pem=pem):
        expected = sdk_cert_sn(pem)
        assert expected == spec_cert_sn(cert)  # the SDK and the spec's rule agree on these issuers
        fields_equal(got, cert_sn=expected)

    ali.add({"id": f"ali-cert-sn-{i}", "kind": "cert_sn", "cert_file": path}, check)



def sdk_root_cert_sn(pem):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return DCAliPay.get_root_cert_sn(pem.decode())


# Alipay's root bundle: RSA roots count, an ECC root (signed ecdsa-with-SHA256) is skipped; the
# certificates are separated by a blank line, as in the bundle Alipay hands out.
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402

EC_ROOT_KEY = ec.generate_private_key(ec.SECP256R1())
EC_ROOT = name("CN", "Ant Financial", "Certification Authority", "Ant Financial Certification Authority E1")
for i in range(4):
    roots = []
    for j in range(i + 1):
        root_key = CA_KEY if j % 2 == 0 else new_key()
        root_name = name("CN", "Ant Financial", "Certification Authority", f"Ant Financial Certification Authority R{j + 1}")
        roots.append(certificate(root_key, root_name, root_key, root_name, rng.getrandbits(64) | 1))
    ec_cert = (x509.CertificateBuilder().subject_name(EC_ROOT).issuer_name(EC_ROOT).public_key(EC_ROOT_KEY.public_key())
               .serial_number(rng.getrandbits(64) | 1)
               .not_valid_before(datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc))
               .not_valid_after(datetime.datetime(2044, 1, 1, tzinfo=datetime.timezone.utc)).sign(EC_ROOT_KEY, hashes.SHA256()))
    chain = roots[:1] + [ec_cert] + roots[1:]
    bundle = b"\n".join(cert_pem(c) for c in chain)
    path = f"keys/alipay_root_{i}.crt"
    FILES[path] = bundle

    def check_root(got, roots=roots, bundle=bundle):
        expected = sdk_root_cert_sn(bundle)
        assert expected == "_".join(spec_cert_sn(c) for c in roots)
        fields_equal(got, root_cert_sn=expected)

    ali.add({"id": f"ali-root-cert-sn-{i}", "kind": "root_cert_sn", "cert_file": path}, check_root)


# ==================================================================================================
# Malformed inputs: the case answers an error, its neighbours are still answered
# ==================================================================================================

FILES.update({
    "keys/broken.pem": b"-----BEGIN PRIVATE KEY-----\nthis is not base64 at all!!\n-----END PRIVATE KEY-----\n",
    "keys/truncated.pem": b"-----BEGIN PRIVATE KEY-----\n" + bare(private_pem(new_key()))[:200] + b"\n-----END PRIVATE KEY-----\n",
    "keys/not_a_cert.pem": b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
})

bad_v2 = Suite("wechat_v2_malformed")  # no file-level api_key here
good_params = v2_request_params()
good_fields = v2_response_fields()
good_xml = dict_to_xml(good_fields, calculate_signature(good_fields, V2_KEY))
refund_plain, refund_fields = refund_root(False)
XXE = ('<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
       '<xml><return_code>SUCCESS</return_code><attach>&xxe;</attach><sign>00</sign></xml>')


def not_accepted(got):
    assert got.get("valid") is not True, got
    assert "root:" not in json.dumps(got), got  # the external entity was never read


for case, check in [
    ({"id": "good-sign", "kind": "sign", "api_key": V2_KEY, "sign_type": "MD5", "params": good_params},
     v2_sign_check(good_params, V2_KEY, "MD5")),
    ({"id": "sign-no-params", "kind": "sign", "api_key": V2_KEY, "sign_type": "MD5"}, failed),
    ({"id": "sign-no-api-key", "kind": "sign", "sign_type": "MD5", "params": good_params}, failed),
    ({"id": "sign-unknown-algorithm", "kind": "sign", "api_key": V2_KEY, "sign_type": "SHA1", "params": good_params},
     failed),
    ({"id": "verify-no-api-key", "kind": "verify_response", "sign_type_of_request": "MD5", "response_xml": good_xml},
     failed),
    ({"id": "verify-xxe", "kind": "verify_response", "api_key": V2_KEY, "sign_type_of_request": "MD5",
      "response_xml": XXE}, not_accepted),
    ({"id": "refund-bad-base64", "kind": "refund_notify_decrypt", "api_key": V2_KEY,
      "notify_xml": refund_notify("@@@@not-base64@@@@", "wx1", "1900000109")}, failed),
    ({"id": "refund-no-notify", "kind": "refund_notify_decrypt", "api_key": V2_KEY}, failed),
    ({"id": "good-verify", "kind": "verify_response", "api_key": V2_KEY, "sign_type_of_request": "MD5",
      "response_xml": good_xml}, v2_valid(True)),
    ({"id": "good-refund", "kind": "refund_notify_decrypt", "api_key": V2_KEY,
      "notify_xml": refund_notify(refund_encrypt(refund_plain, V2_KEY), "wx1", "1900000109")},
     lambda got: fields_equal(got, plaintext=refund_plain, fields=refund_fields)),
]:
    bad_v2.add(case, check)

bad_v3 = Suite("wechat_v3_malformed", **V3_TOP)
method, url, body = "POST", "/v3/pay/transactions/codepay", v3_json({"mchid": MCHID, "description": "饮料"})
auth = {"kind": "authorization", "mchid": MCHID, "serial_no": MERCHANT_SERIAL,
        "private_key_file": "keys/wechat_merchant_private.pem", "method": method, "url_path_with_query": url,
        "timestamp": str(NOW), "nonce_str": "593BEC0C930BF1AFEB40B4A08C8FB242", "body": body}
resp_body = v3_json(v3_transaction())
resp_headers = v3_headers(resp_body, "cert")
cb_plain = v3_json(v3_transaction())
cb_resource = {"original_type": "transaction", "algorithm": "AEAD_AES_256_GCM", "nonce": "fdasflkja484",
               "associated_data": "transaction",
               "ciphertext": encrypt_resource(cb_plain, APIV3_KEY, "fdasflkja484", "transaction")}
cb_not_base64 = callback_body(dict(cb_resource, ciphertext="%%%" + cb_resource["ciphertext"]), "TRANSACTION.SUCCESS")
cb_not_json = "this is not JSON {"
for case, check in [
    ({"id": "good-authorization", **auth}, v3_authorization_check(method, url, str(NOW), auth["nonce_str"], body)),
    ({"id": "authorization-broken-pem", **auth, "private_key_file": "keys/broken.pem"}, failed),
    ({"id": "authorization-truncated-pem", **auth, "private_key_file": "keys/truncated.pem"}, failed),
    ({"id": "authorization-public-key-as-private", **auth, "private_key_file": "keys/wechat_merchant_public.pem"},
     failed),
    ({"id": "authorization-missing-file", **auth, "private_key_file": "keys/no-such-file.pem"}, failed),
    ({"id": "authorization-no-url", **{k: v for k, v in auth.items() if k != "url_path_with_query"}}, failed),
    ({"id": "verify-signature-not-base64", "kind": "verify_response", "body": resp_body, "now": NOW,
      "headers": dict(resp_headers, **{"Wechatpay-Signature": "***not base64***"})}, failed),
    ({"id": "callback-ciphertext-not-base64", "kind": "decrypt_callback", "body": cb_not_base64, "now": NOW,
      "headers": v3_headers(cb_not_base64, "pubkey")}, failed),
    ({"id": "callback-body-not-json", "kind": "decrypt_callback", "body": cb_not_json, "now": NOW,
      "headers": v3_headers(cb_not_json, "pubkey")}, failed),
    ({"id": "good-verify", "kind": "verify_response", "body": resp_body, "now": NOW, "headers": resp_headers},
     v3_verify_check(resp_headers, resp_body, NOW, True)),
]:
    bad_v3.add(case, check)

bad_ali = Suite("alipay_malformed", app_id=APP_ID)
good_request = ali_request_params()
good_notify = notify_form()
good_notify["sign_type"] = "RSA2"
good_notify["sign"] = ALIPAY_SDK._sign(notify_string(good_notify))
good_node = ali_node("alipay.trade.query", False)
node_text = ali_serialize(good_node)
good_raw = ali_document("alipay_trade_query_response", node_text, ALIPAY_SDK._sign(node_text), 0)
for case, check in [
    ({"id": "good-sign", "kind": "sign_request", "params": good_request,
      "private_key_file": "keys/alipay_app_private.pem"}, sign_request_check(good_request)),
    ({"id": "sign-broken-pem", "kind": "sign_request", "params": good_request, "private_key_file": "keys/broken.pem"},
     failed),
    ({"id": "sign-truncated-pem", "kind": "sign_request", "params": good_request,
      "private_key_file": "keys/truncated.pem"}, failed),
    ({"id": "sign-no-params", "kind": "sign_request", "private_key_file": "keys/alipay_app_private.pem"}, failed),
    ({"id": "response-no-raw", "kind": "verify_response", "method": "alipay.trade.query",
      "public_key_file": "keys/alipay_platform_public.pem"}, failed),
    ({"id": "response-sign-not-base64", "kind": "verify_response", "method": "alipay.trade.query",
      "public_key_file": "keys/alipay_platform_public.pem",
      "raw_response": good_raw.replace(json.loads(good_raw)["sign"], "@@@not base64@@@")}, failed),
    ({"id": "notify-sign-not-base64", "kind": "verify_notify", "public_key_file": "keys/alipay_platform_public.pem",
      "form": dict(good_notify, sign="不是base64")}, failed),
    ({"id": "notify-broken-public-key", "kind": "verify_notify", "public_key_file": "keys/broken.pem",
      "form": good_notify}, failed),
    ({"id": "cert-sn-not-a-cert", "kind": "cert_sn", "cert_file": "keys/not_a_cert.pem"}, failed),
    ({"id": "cert-sn-no-file", "kind": "cert_sn"}, failed),
    ({"id": "good-response", "kind": "verify_response", "method": "alipay.trade.query",
      "public_key_file": "keys/alipay_platform_public.pem", "raw_response": good_raw},
     ali_response_check(good_raw, node_text, True, not braces_in_strings(good_node))),
    ({"id": "good-notify", "kind": "verify_notify", "public_key_file": "keys/alipay_platform_public.pem",
      "form": good_notify}, notify_check(good_notify, True, True)),
]:
    bad_ali.add(case, check)


# ==================================================================================================
# Running and comparing
# ==================================================================================================

def run_tool(path):
    """One run of `chainstore codec payments FILE`, from another folder (paths are relative to FILE)."""
    run = subprocess.run([BIN, "codec", "payments", str(path)], capture_output=True, text=True, timeout=300,
                         cwd=path.parent.parent)
    assert run.returncode == 0, run.stderr[-4000:]
    document = json.loads(run.stdout)
    assert isinstance(document.get("implementation"), str) and document["implementation"].startswith("chainstore"), \
        document.get("implementation")
    cases = json.loads(path.read_text(encoding="utf-8"))["cases"]
    # One result per case, in input order.
    assert [result.get("id") for result in document["results"]] == [case["id"] for case in cases]
    return {result["id"]: result for result in document["results"]}


@pytest.fixture(scope="module")
def answers(tmp_path_factory):
    folder = tmp_path_factory.mktemp("payments") / "cases"
    for relative, data in FILES.items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_bytes(data)
    runs = {}

    def answer(suite):
        if suite not in runs:
            path = folder / f"{suite}.json"
            path.write_text(json.dumps(SUITES[suite].document(), ensure_ascii=False), encoding="utf-8")
            try:
                runs[suite] = run_tool(path)
            except (AssertionError, ValueError, subprocess.TimeoutExpired) as failure:
                runs[suite] = f"{type(failure).__name__}: {failure}"
        if isinstance(runs[suite], str):
            pytest.fail(f"the run on {suite}.json failed: {runs[suite]}")
        return runs[suite]
    return answer


def test_case_counts():
    counts = {name: len(suite.cases) for name, suite in SUITES.items()}
    assert counts["wechat_v2"] >= 400 and counts["wechat_v3"] >= 150 and counts["alipay"] >= 200, counts


CASES = [(name, case["id"]) for name, suite in SUITES.items() for case in suite.cases]


@pytest.mark.parametrize("suite,case_id", CASES, ids=[f"{name}:{case_id}" for name, case_id in CASES])
def test_answer(suite, case_id, answers):
    SUITES[suite].checks[case_id](answers(suite)[case_id])


@pytest.mark.parametrize("example", EXAMPLE_FILES)
def test_worked_example(example, tmp_path):
    source = EXAMPLES / example
    assert source.is_file(), f"the spec's worked examples are not at {EXAMPLES} (set CHAINSTORE_PAYMENT_EXAMPLES)"
    folder = tmp_path / "examples"
    folder.mkdir()
    shutil.copy(source, folder / example)
    shutil.copytree(EXAMPLES / "keys", folder / "keys")
    results = run_tool(folder / example)
    cases = json.loads(source.read_text(encoding="utf-8"))["cases"]
    mismatches = []
    for case in cases:
        got = results[case["id"]]
        for key, value in case["expected"].items():
            if key not in CONTRACT_MEMBERS:
                continue  # e.g. request_xml_example, which the tool does not produce
            if key == "error" and value is False:
                ok = got.get("error") in (None, False)
            else:
                ok = got.get(key) == value
            if not ok:
                mismatches.append((case["id"], key, value, got.get(key), got.get("reason")))
    assert not mismatches, mismatches
