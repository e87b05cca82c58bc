"""Hostile JSON-RPC input: every case is a clean error, the server stays up, nothing is written."""
import json
import urllib.error
import urllib.request

import pytest

from conftest import ADMIN_PASSWORD


def post(url, path, body, content_type="application/json"):
    request = urllib.request.Request(url + path, data=body, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def call(url, db, model, method, args, kwargs=None):
    payload = {"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
        "service": "object", "method": "execute_kw", "args": [db, 2, ADMIN_PASSWORD, model, method, args, kwargs or {}]}}
    status, body = post(url, "/jsonrpc", json.dumps(payload).encode())
    assert status == 200
    return json.loads(body)


def partner_count(url, db):
    return call(url, db, "res.partner", "search_count", [[]], {"context": {"active_test": False}})["result"]


def alive(url):
    with urllib.request.urlopen(url + "/health/live", timeout=10) as response:
        return response.status == 200


@pytest.mark.parametrize("body", [b"{", b"not json", b'{"params": [1, 2', b"\xff\xfe", b'{"a": "\\ud800"}'])
def test_malformed_json_is_a_400(url, body):
    status, text = post(url, "/jsonrpc", body)
    assert status == 400 and b"Invalid JSON data" in text
    assert alive(url)


def test_deep_nesting_is_refused(url):
    status, _ = post(url, "/jsonrpc", b"[" * 200_000 + b"]" * 200_000)
    assert status == 400
    assert alive(url)


def test_oversized_request_is_refused(url):
    status, _ = post(url, "/jsonrpc", b'{"params": "' + b"x" * (65 << 20) + b'"}')
    assert status == 413
    assert alive(url)


def test_sql_in_values_and_names_changes_nothing(url, db):
    before = partner_count(url, db)
    hostile = "x'); DELETE FROM res_partner; --"
    result = call(url, db, "res.partner", "search", [[["name", "=", hostile]]])
    assert result["result"] == []
    for name in ['name"; DELETE FROM res_partner; --', "id) OR (1=1", "name::text"]:
        error = call(url, db, "res.partner", "search", [[[name, "=", 1]]])["error"]
        assert error["data"]["name"] == "builtins.ValueError"
    error = call(url, db, "res.partner", "search", [[]], {"order": "name; DELETE FROM res_partner"})["error"]
    assert error["data"]["name"] == "builtins.ValueError"
    error = call(url, db, "res.partner", "create", [{"name": "ok", hostile: 1}])["error"]
    assert error["data"]["name"] == "builtins.ValueError"
    assert partner_count(url, db) == before


def test_wrong_types_and_a_failed_batch_leave_no_partial_data(url, db):
    before = partner_count(url, db)
    error = call(url, db, "res.partner", "create", [[{"name": "first of batch"}, {"name": "second", "credit_limit": "a lot"}]])["error"]
    assert error["data"]["name"] == "builtins.ValueError"
    error = call(url, db, "res.partner", "search", ["not a domain"])["error"]
    assert error["data"]["name"] == "builtins.ValueError"
    error = call(url, db, "res.partner", "search", [[]], {"bogus_keyword": 1})["error"]
    assert error["data"]["name"] == "builtins.TypeError"
    assert partner_count(url, db) == before


def test_wrong_password_on_execute_kw_is_access_denied(url, db):
    payload = {"jsonrpc": "2.0", "method": "call", "id": 3, "params": {
        "service": "object", "method": "execute_kw", "args": [db, 2, "wrong", "res.partner", "search", [[]]]}}
    answer = json.loads(post(url, "/jsonrpc", json.dumps(payload).encode())[1])
    assert answer["id"] == 3
    assert answer["error"]["data"]["name"] == "odoo.exceptions.AccessDenied"
    assert answer["error"]["data"]["message"] == "Access Denied"


def test_web_routes_need_a_session(url):
    payload = {"jsonrpc": "2.0", "method": "call", "id": None, "params": {"model": "res.partner", "method": "search", "args": [[]], "kwargs": {}}}
    answer = json.loads(post(url, "/web/dataset/call_kw/res.partner/search", json.dumps(payload).encode())[1])
    assert answer["error"]["code"] == 100
    assert answer["error"]["data"]["name"] == "odoo.http.SessionExpiredException"
