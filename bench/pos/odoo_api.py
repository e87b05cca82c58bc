"""What the POS benchmark programs share: an Odoo external-API caller and warehouse codes."""
import xmlrpc.client


def caller(url, db, login, password):
    """`rpc(model, method, *args, company=None, **kwargs)`: execute_kw as `login`, in `company` when given."""
    uid = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/common").authenticate(db, login, password, {})
    models = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/object", allow_none=True)

    def rpc(model, method, *args, company=None, **kwargs):
        if company:
            kwargs["context"] = {"allowed_company_ids": [company]}
        return models.execute_kw(db, uid, password, model, method, list(args), kwargs)
    return rpc


def base36(number):
    """Warehouse codes are at most 5 characters: a company id in base 36 fits 4 up to 1.6 million."""
    digits = ""
    while True:
        number, rest = divmod(number, 36)
        digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[rest] + digits
        if not number:
            return digits
