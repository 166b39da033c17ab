"""Signing: integrity, expiry, purposes (salts), key rotation, formats, and forged input."""

from __future__ import annotations

import base64
import doctest
import json
import pickle
import time
import zlib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bastion import Bastion, PlainTextResponse, path
from bastion.exceptions import ImproperlyConfigured, SuspiciousOperation
from bastion.http.request import Request
from bastion.http.response import Response
from bastion.security import signing as signing_module
from bastion.security.signing import (
    CLOCK_SKEW,
    BadSignature,
    SignatureExpired,
    Signer,
    signer_from_settings,
)
from bastion.settings import Settings
from bastion.testing import Client

KEY = "signing-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEF"
OLD = "older-key-9876543210-zyxwvutsrqponmlkjihgfedcba-FEDCBA"
OLDEST = "oldest-key-1357924680-acegikmoqsuwy-bdfhjlnprtvxz-ACEG"
DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """``now[0]`` is what ``time.time()`` returns."""
    now = [1_800_000_000.0]
    monkeypatch.setattr(time, "time", lambda: now[0])
    return now


def signer(salt: str = "test", **kwargs: Any) -> Signer:
    return Signer(KEY, salt=salt, **kwargs)


# -- strings ----------------------------------------------------------------------------------


def test_signer_sign_round_trip_keeps_value_readable() -> None:
    signed = signer().sign("user:42")
    assert signed.startswith("s1.user:42.")
    assert signer().unsign(signed) == "user:42"


@given(st.text())
def test_signer_sign_round_trips_any_text(value: str) -> None:
    assert signer().unsign(signer().sign(value)) == value


@given(st.text(min_size=1))
def test_signer_unsign_refuses_arbitrary_text(value: str) -> None:
    with pytest.raises(BadSignature):
        signer().unsign(value)


@pytest.mark.parametrize(
    "change",
    [
        lambda s: s[:-1] + ("A" if s[-1] != "A" else "B"),  # signature
        lambda s: s.replace("user:42", "user:43"),  # value
        lambda s: s.replace("s1.", "s2.", 1),  # format tag
        lambda s: s.rsplit(".", 1)[0],  # no signature
        lambda s: s.rsplit(".", 2)[0] + "." + s.rsplit(".", 1)[1],  # no timestamp
        lambda s: "s1.",
    ],
)
def test_signer_unsign_detects_tampering(change: Any) -> None:
    signed = signer().sign("user:42")
    with pytest.raises(BadSignature):
        signer().unsign(change(signed))


def test_signer_salt_separates_purposes() -> None:
    token = signer("password-reset").sign("42")
    with pytest.raises(BadSignature, match="does not match"):
        signer("email-change").unsign(token)


def test_signer_sign_and_dumps_cannot_stand_in_for_each_other() -> None:
    # A string a user chose, signed by sign(), never loads as data (and the other way).
    s = signer()
    payload = base64.urlsafe_b64encode(b'{"admin":true}').rstrip(b"=").decode()
    with pytest.raises(BadSignature, match="known format"):
        s.loads(s.sign(payload))
    with pytest.raises(BadSignature, match="known format"):
        s.loads(s.sign("j1." + payload))
    with pytest.raises(BadSignature, match="known format"):
        s.unsign(s.dumps("x"))


def test_signer_uses_sha256_hmac_with_derived_key() -> None:
    import hashlib
    import hmac

    signed = signer().sign("v")
    data, signature = signed.rsplit(".", 1)
    derived = hmac.new(KEY.encode(), b"bastion.signing:test", hashlib.sha256).digest()
    expected = hmac.new(derived, data.encode(), hashlib.sha256).digest()
    assert base64.urlsafe_b64encode(expected).rstrip(b"=").decode() == signature


@pytest.mark.parametrize("value", [None, 42, b"s1.x.y.z"])
def test_signer_unsign_refuses_non_strings(value: Any) -> None:
    with pytest.raises(BadSignature):
        signer().unsign(value)


@pytest.mark.parametrize("value", ["s1.\ud800.AAAA.AAAA", "j1.\udcff"])
def test_signer_refuses_text_that_is_not_unicode(value: str) -> None:
    with pytest.raises(BadSignature, match="known format"):
        signer().loads(value) if value.startswith("j1.") else signer().unsign(value)


# -- time -------------------------------------------------------------------------------------


def test_signer_max_age(clock: list[float]) -> None:
    signed = signer().sign("v")
    clock[0] += 60
    assert signer().unsign(signed, max_age=60) == "v"
    clock[0] += 1
    with pytest.raises(SignatureExpired, match=r"61 seconds old \(max_age=60\)") as info:
        signer().unsign(signed, max_age=60)
    assert info.value.date_signed.timestamp() == 1_800_000_000
    assert isinstance(info.value, BadSignature)


def test_signer_tolerates_small_clock_skew_only(clock: list[float]) -> None:
    signed = signer().sign("v")  # signed by a server whose clock runs ahead
    clock[0] -= CLOCK_SKEW
    assert signer().unsign(signed, max_age=10) == "v"
    clock[0] -= 1
    with pytest.raises(SignatureExpired, match="in the future; check the servers' clocks"):
        signer().unsign(signed, max_age=10)


def test_signer_without_max_age_never_expires(clock: list[float]) -> None:
    signed = signer().sign("v")
    clock[0] += 10 * 365 * 24 * 3600
    assert signer().unsign(signed) == "v"


def test_signer_tampered_value_fails_before_age_check(clock: list[float]) -> None:
    signed = signer().sign("v")
    clock[0] += 1000
    with pytest.raises(BadSignature) as info:
        signer().unsign(signed[:-2] + "xx", max_age=10)
    assert not isinstance(info.value, SignatureExpired)


# -- JSON ---------------------------------------------------------------------------------------

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(JSON, st.booleans())
def test_signer_dumps_loads_round_trip(value: Any, compress: bool) -> None:
    signed = signer().dumps(value, compress=compress)
    assert set(signed) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
    assert signer().loads(signed) == value


def test_signer_dumps_compresses_only_when_shorter() -> None:
    assert signer().dumps({"a": 1}, compress=True).startswith("j1.")
    long = signer().dumps({"text": "la " * 500}, compress=True)
    assert long.startswith("z1.")
    assert len(long) < 200
    assert signer().loads(long) == {"text": "la " * 500}


def test_signer_loads_with_max_age(clock: list[float]) -> None:
    signed = signer().dumps({"user": 1})
    clock[0] += 3601
    with pytest.raises(SignatureExpired):
        signer().loads(signed, max_age=3600)


@pytest.mark.parametrize(
    ("tag", "raw"),
    [
        ("j1.", pickle.dumps({"a": 1})),
        ("j1.", b"NaN"),
        ("j1.", b"[1,"),
        ("j1.", b"\xff"),
        ("z1.", b"not zlib"),
        ("z1.", zlib.compress(pickle.dumps({"a": 1}))),
        ("j1.", b"[" * 100_000 + b"]" * 100_000),
    ],
)
def test_signer_loads_refuses_validly_signed_non_json(tag: str, raw: bytes) -> None:
    # Only a key holder could sign these; even then nothing but JSON is ever decoded.
    s = signer()
    payload = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    forged = s._signer.sign(tag + payload).decode()
    with pytest.raises(BadSignature, match="not valid JSON"):
        s.loads(forged)


def test_signer_loads_bad_base64_is_refused() -> None:
    s = signer()
    forged = s._signer.sign("j1.a").decode()  # one base64 character cannot be decoded
    with pytest.raises(BadSignature):
        s.loads(forged)


@pytest.mark.parametrize(("value", "error"), [(object(), TypeError), (float("nan"), ValueError)])
def test_signer_dumps_refuses_non_json(value: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        signer().dumps({"v": value})


# -- key rotation -----------------------------------------------------------------------------


def test_signer_signs_with_current_key_and_verifies_fallbacks() -> None:
    old_token = Signer(OLD, salt="t").sign("v")
    oldest_token = Signer(OLDEST, salt="t").dumps({"v": 1})
    rotated = Signer(KEY, fallback_keys=[OLD, OLDEST], salt="t")
    assert rotated.unsign(old_token) == "v"
    assert rotated.loads(oldest_token) == {"v": 1}
    fresh = rotated.sign("v")
    assert Signer(KEY, salt="t").unsign(fresh) == "v"  # the current key alone suffices
    with pytest.raises(BadSignature):
        Signer(OLD, salt="t").unsign(fresh)


def test_signer_uses_fallback_key_says_when_to_resign() -> None:
    rotated = Signer(KEY, fallback_keys=[OLD], salt="t")
    assert rotated.uses_fallback_key(Signer(OLD, salt="t").sign("v"))
    assert not rotated.uses_fallback_key(rotated.sign("v"))
    assert not signer().uses_fallback_key(signer().sign("v"))  # no fallbacks at all


def test_signer_dropping_a_key_invalidates_its_values() -> None:
    token = Signer(OLD, salt="t").sign("v")
    with pytest.raises(BadSignature):
        Signer(KEY, salt="t").unsign(token)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("",), "needs a SECRET_KEY"),
        ((KEY, "abc"), "must be a list of non-empty keys"),
        ((KEY, ["ok", ""]), "must be a list of non-empty keys"),
    ],
)
def test_signer_refuses_bad_keys(args: tuple[Any, ...], message: str) -> None:
    secret, *fallbacks = args
    kwargs: dict[str, Any] = {"fallback_keys": fallbacks[0]} if fallbacks else {}
    with pytest.raises(ImproperlyConfigured, match=message):
        Signer(secret, salt="t", **kwargs)


def test_signer_needs_salt() -> None:
    with pytest.raises(ImproperlyConfigured, match="needs a salt"):
        Signer(KEY, salt="")


def test_signer_repr_hides_keys() -> None:
    text = repr(Signer(KEY, fallback_keys=[OLD], salt="t"))
    assert text == "<Signer salt='t' keys=2>"
    assert KEY not in text


def test_signer_from_settings_uses_key_and_fallbacks() -> None:
    settings = Settings(SECRET_KEY=KEY, SECRET_KEY_FALLBACKS=[OLD])
    s = signer_from_settings(settings, "t")
    assert s.salt == "t"
    assert s.unsign(Signer(OLD, salt="t").sign("v")) == "v"


def test_signing_public_module_reexports() -> None:
    import bastion.signing as public

    for name in public.__all__:
        assert getattr(public, name) is getattr(signing_module, name)


# -- in an application --------------------------------------------------------------------------


def test_bad_signature_escaping_a_view_is_a_400_not_a_500(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def unsubscribe(request: Request) -> Response:
        user = signer_from_settings(request.settings, "unsubscribe").unsign(
            request.query.get("token", ""), max_age=3600
        )
        return PlainTextResponse(f"unsubscribed {user}")

    settings = Settings(SECRET_KEY=KEY, ALLOWED_HOSTS=["testserver"])
    client = Client(Bastion(settings, routes=[path("unsubscribe", unsubscribe)]))
    token = Signer(KEY, salt="unsubscribe").sign("42")
    assert client.get("/unsubscribe", query={"token": token}).text == "unsubscribed 42"
    response = client.get("/unsubscribe", query={"token": token + "x"})
    assert response.status_code == 400
    assert issubclass(BadSignature, SuspiciousOperation)
    assert any(r.name == "bastion.security.BadSignature" for r in caplog.records)


def test_signing_docs_examples_run() -> None:
    result = doctest.testfile(
        str(DOCS / "signing.md"),
        module_relative=False,
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
    )
    assert result.attempted > 0
    assert result.failed == 0


def test_json_module_is_what_decodes() -> None:
    # Guard the decoder configuration: constants are refused, like json.loads with
    # parse_constant raising would.
    with pytest.raises(ValueError, match="Infinity is not valid JSON"):
        signing_module._DECODER.decode("Infinity")
    assert json.loads("1") == signing_module._DECODER.decode("1")


def test_non_canonical_base64_spellings_of_a_signature_are_refused() -> None:
    """The spare bits of the last base64 character must not give a second valid spelling."""
    import base64

    from bastion.signing import BadSignature, Signer

    signer = Signer("k" * 64, salt="canonical")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    refused = 0
    for value in (f"user:{i}" for i in range(40)):
        signed = signer.sign(value)
        head, last = signed[:-1], signed[-1]
        sig = signed.rsplit(".", 1)[1]
        decoded = base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4))
        for other in alphabet:
            if other == last:
                continue
            candidate = head + other
            tail = candidate.rsplit(".", 1)[1]
            same = base64.urlsafe_b64decode(tail + "=" * (-len(tail) % 4)) == decoded
            if same:  # a lenient decoder would accept this spelling
                with pytest.raises(BadSignature):
                    signer.unsign(candidate)
                refused += 1
    assert refused >= 40  # every signature has spellings that differ only in spare bits
