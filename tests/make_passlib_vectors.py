"""Prints PBKDF2-SHA512 hashes made by passlib (the format Odoo stores) as JSON test vectors."""
import json
import secrets

from passlib.hash import pbkdf2_sha512

passwords = ["admin", "correct horse battery staple", "密码Ünïcode", "", "a" * 200, secrets.token_urlsafe(12)]
vectors = [
    {"password": pw, "hash": pbkdf2_sha512.using(rounds=rounds).hash(pw)}
    for pw, rounds in zip(passwords, [1000, 2000, 1500, 1000, 1000, 25000])
]
print(json.dumps({"generator": "passlib.hash.pbkdf2_sha512", "vectors": vectors}, ensure_ascii=False))
