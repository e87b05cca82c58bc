"""Hostile XML-RPC bodies: each is a fault (never a crash or a hang), and nothing is written."""
import urllib.request
import xmlrpc.client

import pytest

from conftest import ADMIN_PASSWORD


def post(url, body):
    request = urllib.request.Request(url + "/xmlrpc/2/object", data=body, headers={"Content-Type": "text/xml"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.status, response.read()


def partner_count(url, db):
    return xmlrpc.client.ServerProxy(url + "/xmlrpc/2/object").execute_kw(
        db, 2, ADMIN_PASSWORD, "res.partner", "search_count", [[]], {"context": {"active_test": False}})


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<methodCall><methodName>execute_kw</methodName><params><param><value><string>&lol3;</string></value></param></params></methodCall>"""

XXE = b"""<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<methodCall><methodName>execute_kw</methodName><params><param><value>&xxe;</value></param></params></methodCall>"""


@pytest.mark.parametrize("body", [
    b"<methodCall><methodName>execute_kw</methodName><params>",
    b"not xml at all",
    b"<methodCall><methodName>x</methodName><params><param><value><int>12x</int></value></param></params></methodCall>",
    b"<methodCall><methodName>x</methodName><params><param><value><boolean>2</boolean></value></param></params></methodCall>",
    b"<methodCall><methodName>x</methodName><params><param><value><base64>!!!</base64></value></param></params></methodCall>",
    b"<methodCall><methodName>x</methodName><params><param><value><string>\xff\xfe</string></value></param></params></methodCall>",
    b"<methodCall><methodName>x</methodName><params><param><value><unknown/></value></param></params></methodCall>",
    BILLION_LAUGHS,
    XXE,
    b"<methodCall><methodName>x</methodName><params><param>" + b"<value><array><data>" * 5000 + b"</data></array></value>" * 5000 + b"</param></params></methodCall>",
])
def test_hostile_bodies_are_faults(url, db, body):
    before = partner_count(url, db)
    status, answer = post(url, body)
    assert status == 200
    with pytest.raises(xmlrpc.client.Fault) as fault:
        xmlrpc.client.loads(answer)
    assert fault.value.faultCode == 1
    assert b"root:" not in answer
    assert partner_count(url, db) == before


def test_sql_in_domain_values_and_field_names_is_harmless(url, db):
    models = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/object")
    before = partner_count(url, db)
    assert models.execute_kw(db, 2, ADMIN_PASSWORD, "res.partner", "search", [[["name", "=", "'; DROP TABLE res_partner; --"]]]) == []
    with pytest.raises(xmlrpc.client.Fault) as fault:
        models.execute_kw(db, 2, ADMIN_PASSWORD, "res.partner", "search", [[["name; DROP TABLE res_partner", "=", 1]]])
    assert fault.value.faultCode == 1 and "Invalid field" in fault.value.faultString
    assert partner_count(url, db) == before


def test_big_integers_and_unicode_round_trip(url, db, unique):
    models = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/object")
    name = unique + " 广州 <&> \u00e9"
    pid = models.execute_kw(db, 2, ADMIN_PASSWORD, "res.partner", "create", [{"name": name}])
    assert models.execute_kw(db, 2, ADMIN_PASSWORD, "res.partner", "read", [[pid], ["name"]])[0]["name"] == name
    models.execute_kw(db, 2, ADMIN_PASSWORD, "res.partner", "unlink", [[pid]])
