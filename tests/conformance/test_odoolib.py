"""odoo-client-lib 2.0.1, over its jsonrpc protocol (/jsonrpc) and its xmlrpc protocol (legacy /xmlrpc/*)."""
import odoolib
import odoolib.tools
import pytest

from conftest import ADMIN_PASSWORD


@pytest.fixture(params=["jsonrpc", "xmlrpc"])
def connection(request, host_port, db):
    host, port = host_port
    return odoolib.get_connection(hostname=host, port=port, protocol=request.param, database=db,
                                  login="admin", password=ADMIN_PASSWORD)


def test_login_and_user_context(connection):
    connection.check_login()
    assert connection.user_id == 2
    assert connection.get_user_context()["uid"] == 2


def test_bad_login_raises_authentication_error(host_port, db):
    host, port = host_port
    for protocol in ["jsonrpc", "xmlrpc"]:
        bad = odoolib.get_connection(hostname=host, port=port, protocol=protocol, database=db, login="admin", password="nope")
        with pytest.raises(odoolib.tools.AuthenticationError):
            bad.check_login()


def test_model_proxy_round_trip(connection, unique):
    partners = connection.get_model("res.partner")
    pid = partners.create({"name": unique, "city": "Guangzhou"})
    assert partners.search([("name", "=", unique)]) == [pid]
    row = partners.read(pid, ["name", "city"])
    assert row["name"] == unique and row["city"] == "Guangzhou"
    rows = partners.search_read([("name", "=", unique)], ["city"])
    assert rows == [{"id": pid, "city": "Guangzhou"}]
    partners.write([pid], {"city": "Shenzhen"})
    assert partners.read([pid], ["city"])[0]["city"] == "Shenzhen"
    partners.unlink([pid])
    assert partners.search_count([("name", "=", unique)]) == 0
