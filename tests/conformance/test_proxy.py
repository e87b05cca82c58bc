"""Behind nginx every request comes from the proxy. The server (started with --trusted-proxy
127.0.0.1 by scripts/test) counts failed logins against the client the proxy names, so one
guesser is locked out while everyone else behind the same proxy signs in as before."""
import uuid
import xmlrpc.client

import pytest

from conftest import TENANT_PASSWORD, URL


class Forwarded(xmlrpc.client.Transport):
    def __init__(self, client):
        super().__init__()
        self.client = client

    def send_headers(self, connection, headers):
        connection.putheader("X-Forwarded-For", self.client)
        super().send_headers(connection, headers)


def common(client):
    return xmlrpc.client.ServerProxy(URL + "/xmlrpc/2/common", transport=Forwarded(client))


def test_a_guesser_behind_the_proxy_is_locked_out_alone():
    guesser = "198.51.100." + str(uuid.uuid4().int % 200 + 20)
    neighbour = "203.0.113." + str(uuid.uuid4().int % 200 + 20)
    for _ in range(10):
        assert common(guesser).login("tenant2", "nobody-" + uuid.uuid4().hex[:8], "guess") is False
    with pytest.raises(xmlrpc.client.Fault) as locked:
        common(guesser).login("tenant2", "tenant.user", "wrong " + TENANT_PASSWORD)
    assert "Too many login failures" in locked.value.faultString
    # The same proxy, another client: a wrong password is just wrong, the right one works.
    assert common(neighbour).login("tenant2", "tenant.user", "wrong " + TENANT_PASSWORD) is False
    assert common(neighbour).login("tenant2", "tenant.user", TENANT_PASSWORD)
