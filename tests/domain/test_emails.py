"""The fast email check gives exactly pydantic's ``EmailStr`` answer, good address or bad."""

from __future__ import annotations

import random

import pytest
from pydantic.networks import validate_email
from pydantic_core import PydanticCustomError

from leadboard.domain.card import validate_fields
from leadboard.domain.emails import normalized_email
from leadboard.domain.errors import InvalidInput

LOCALS = ["ada", "Ada.Lovelace", "a+crm", "o'brien", "x_y-z", "a..b", ".a", "a.", "", "postmaster",
          "Info", "SALES", "ünïcode", "a b", '"quoted"', "a@b", "x" * 64, "y" * 65, "#!$%&*+/=?^`{|}~",
          "a\u0301", "ａ", "joão.silva", "JOÃO", "\u212aelvin", "\u212a", "ab\u00a0c", "a\u200bb", "ñ.", ".ñ",
          "ñ..ñ", "ü" * 64, "ü" * 65, "a\u0301\u0301", "\u0301a", "n\u0303o", "日本語", "a＠b", "ü<b", "ü\"b", "ü\\b"]
DOMAINS = ["example.com", "Example.COM", "acme.example.org", "sub-domain.example.net", "localhost",
           "x.local", "a.test", "a.invalid", "a.arpa", "b.onion", "123.456", "exa_mple.com", "-a.com",
           "a-.com", "a..com", ".com", "com", "münchen.example.com", "xn--mnchen-3ya.example.com",
           "xn--bad.example.com", "[127.0.0.1]", "a.b.c.d.e.f.example.com", ("l" * 63) + ".com",
           ("l" * 64) + ".com", ".".join(["abcdefghi"] * 25) + ".com", "exam ple.com", "example.com.",
           "EXAMPLE.c0m", "e\u0301xample.com", "ａｂｃ.com", "example.com>", "ex@mple.com"]
AROUNDS = [("", ""), ("Ada <", ">"), ("<", ">"), ('"Ada L" <', ">"), ("", " x")]


def _pydantic(value: str) -> str:
    return validate_email(value)[1]


def _answer(check, value: str) -> tuple[str, str]:
    try:
        return "ok", check(value)
    except PydanticCustomError as error:
        return "error", str(error)


def _addresses() -> list[str]:
    rng = random.Random(5)
    found = [f"{local}@{domain}" for local in LOCALS for domain in DOMAINS]
    for _ in range(3000):
        before, after = rng.choice(AROUNDS)
        at = rng.choice(["@", "@", "@", "＠", "@@", ""])
        found.append(f"{before}{rng.choice(LOCALS)}{at}{rng.choice(DOMAINS)}{after}")
    found += ["a" * 200 + "@" + "b" * 50 + ".com", "a" * 60 + "@" + ".".join(["c" * 60] * 3) + ".com",
              "ada@example.com\n", "ada\r@example.com", "a" * 3000 + "@example.com"]
    return found


def test_fast_check_agrees_with_pydantic_on_every_odd_address():
    disagreements = [
        (value, _answer(normalized_email, value), _answer(_pydantic, value))
        for value in _addresses()
        if _answer(normalized_email, value) != _answer(_pydantic, value)
    ]
    assert disagreements == []


def test_domain_is_normalised_and_local_part_kept():
    assert normalized_email("Ada.Lovelace@Example.COM") == "Ada.Lovelace@example.com"


def test_special_mailbox_names_are_lowercased_like_pydantic():
    assert normalized_email("PostMaster@example.com") == "postmaster@example.com"


@pytest.mark.parametrize("bad", ["ada@localhost", "ada@example", "ada@@example.com", "ada example.com"])
def test_card_refuses_bad_email_with_one_sentence(bad):
    with pytest.raises(InvalidInput) as caught:
        validate_fields({"name": "Ada", "email": bad})
    assert caught.value.field == "email"
    assert str(caught.value).startswith("email: value is not a valid email address")
