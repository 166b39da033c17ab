"""Regenerate django_hashes.json with the installed Django (run from the repository root).

    python tests/auth/vectors/make_django_hashes.py

Each algorithm is hashed at Django's default parameters for one password, and at cheap
parameters (subclasses that only lower the cost; the layout is unchanged) for the rest, so
the test suite stays fast. The ``argon2i`` vector reproduces how Django before 3.2 built its
hashes ("argon2" + argon2-cffi's encoded string with the argon2i type).
"""

from __future__ import annotations

import json
from pathlib import Path

import argon2
import django
from django.conf import settings
from django.contrib.auth import hashers as dj

CHEAP = "tests.auth.vectors.make_django_hashes"


class CheapPBKDF2(dj.PBKDF2PasswordHasher):
    iterations = 1000


class CheapArgon2(dj.Argon2PasswordHasher):
    time_cost, memory_cost, parallelism = 1, 256, 1


class CheapBCryptSHA256(dj.BCryptSHA256PasswordHasher):
    rounds = 4


class CheapBCrypt(dj.BCryptPasswordHasher):
    rounds = 4


class CheapScrypt(dj.ScryptPasswordHasher):
    work_factor, parallelism = 2**10, 1


PASSWORDS = ["correct horse battery staple", "pässwörd-ünïcode-✓", "x" * 100, "s3cr3t$with$dollars"]
DEFAULT_PASSWORD = "Tr0ub4dor&3 at defaults"


def main() -> None:
    settings.configure(
        PASSWORD_HASHERS=[
            "django.contrib.auth.hashers.PBKDF2PasswordHasher",
            "django.contrib.auth.hashers.Argon2PasswordHasher",
            "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
            "django.contrib.auth.hashers.BCryptPasswordHasher",
            "django.contrib.auth.hashers.ScryptPasswordHasher",
        ]
    )
    django.setup()
    vectors = []
    defaults = {
        "pbkdf2_sha256": dj.PBKDF2PasswordHasher(),
        "argon2": dj.Argon2PasswordHasher(),
        "bcrypt_sha256": dj.BCryptSHA256PasswordHasher(),
        "bcrypt": dj.BCryptPasswordHasher(),
        "scrypt": dj.ScryptPasswordHasher(),
    }
    cheap = {
        "pbkdf2_sha256": CheapPBKDF2(),
        "argon2": CheapArgon2(),
        "bcrypt_sha256": CheapBCryptSHA256(),
        "bcrypt": CheapBCrypt(),
        "scrypt": CheapScrypt(),
    }
    for name, hasher in defaults.items():
        vectors.append(
            {"algorithm": name, "params": "django-default", "password": DEFAULT_PASSWORD,
             "hash": hasher.encode(DEFAULT_PASSWORD, hasher.salt())}
        )  # fmt: skip
    for name, hasher in cheap.items():
        for password in PASSWORDS:
            if name == "bcrypt" and len(password.encode()) > 72:
                continue  # bcrypt 5 refuses input over 72 bytes
            vectors.append(
                {"algorithm": name, "params": "cheap", "password": password,
                 "hash": hasher.encode(password, hasher.salt())}
            )  # fmt: skip
    legacy = argon2.PasswordHasher(time_cost=1, memory_cost=256, parallelism=1, type=argon2.Type.I)
    vectors.append(
        {"algorithm": "argon2", "params": "django<3.2 argon2i", "password": PASSWORDS[0],
         "hash": "argon2" + legacy.hash(PASSWORDS[0])}
    )  # fmt: skip
    for vector in vectors:
        assert dj.check_password(vector["password"], vector["hash"]), vector
    out = {
        "_comment": (
            f"Made by tests/auth/vectors/make_django_hashes.py with Django {django.__version__}"
            " (django.contrib.auth.hashers encode/make_password); cheap entries use Django's"
            " hashers with lowered cost, same layout."
        ),
        "vectors": vectors,
    }
    path = Path(__file__).with_name("django_hashes.json")
    path.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
