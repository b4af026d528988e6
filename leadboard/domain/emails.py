"""Email addresses: pydantic's ``EmailStr`` check, made cheap for the common address.

pydantic's check (``pydantic.networks.validate_email``, which calls email-validator) costs about
40 µs an address, two thirds of it validating the domain: too slow for an import of a million
rows. Most addresses are a plain ASCII local part (``ada.lovelace+crm``) at a domain shared by many
rows, so this module validates each *domain* once, with email-validator itself, and remembers the
verdict. An international local part (``joão.silva``) is checked by email-validator's own
local-part check at a remembered domain. Everything else (quoted local parts, display names, special
mailbox names, addresses near the length limit, any domain email-validator refuses) goes to
pydantic's own check, so the result, or the error, is always exactly the one ``EmailStr`` gives;
``tests/domain/test_emails.py`` checks that against pydantic on thousands of odd addresses.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import email_validator
from email_validator.rfc_constants import ATEXT_INTL, CASE_INSENSITIVE_MAILBOX_NAMES, EMAIL_MAX_LENGTH
from email_validator.syntax import validate_email_local_part
from pydantic.networks import validate_email as _pydantic_validate_email

# email-validator's own dot-atom local part (RFC 5322 atext), which it accepts unchanged
_ATEXT = r"a-zA-Z0-9_!#\$%&'\*\+\-/=\?\^`\{\|\}~"
_SIMPLE = re.compile(rf"([{_ATEXT}]+(?:\.[{_ATEXT}]+)*)@([^@<\r\n]+)")
_SPECIAL_MAILBOXES = frozenset(CASE_INSENSITIVE_MAILBOX_NAMES)
# a local part with international letters (email-validator's own dot-atom, RFC 6531), at a domain
# that starts with a plain letter or digit
_INTERNATIONAL = re.compile(rf"([{ATEXT_INTL}]+(?:\.[{ATEXT_INTL}]+)*)@([a-zA-Z0-9][^@<\r\n]*)")


def normalized_email(value: str) -> str:
    """The address as ``EmailStr`` stores it, or pydantic's ``value_error`` for a bad one."""
    match = _SIMPLE.fullmatch(value)
    if match is not None:
        local, domain = match.groups()
        checked = _domain(domain)
        if checked is not None and local.lower() not in _SPECIAL_MAILBOXES:
            unicode_domain, ascii_domain = checked
            normalized = f"{local}@{unicode_domain}"
            if max(len(value.encode()), len(normalized.encode()),
                   len(local) + 1 + len(ascii_domain)) <= EMAIL_MAX_LENGTH:
                return normalized
    else:
        international = _international(value)
        if international is not None:
            return international
    return _pydantic_validate_email(value)[1]


def _international(value: str) -> str | None:
    """An address with an unquoted international local part (``joão.silva@example.com``) as
    email-validator normalises it, checked by email-validator's own local-part check (the costly
    part of its whole check is splitting the address a character at a time, and the domain),
    or None for anything else. A combining mark after the @-sign (which email-validator does not
    split at) or anything but a plain ``local@domain`` is left to pydantic."""
    match = _INTERNATIONAL.fullmatch(value)
    if match is None:
        return None
    local, domain = match.groups()
    checked = _domain(domain)
    if checked is None:
        return None
    try:
        read = validate_email_local_part(local)
        normal = unicodedata.normalize("NFC", local)
        if normal != local:
            read = validate_email_local_part(normal)
    except email_validator.EmailNotValidError:
        return None
    if read["ascii_local_part"] is not None:  # NFC made it plain (a Kelvin sign is a K): pydantic says
        return None
    normal = read["local_part"]
    unicode_domain, ascii_domain = checked
    normalized = f"{normal}@{unicode_domain}"
    if max(len(value.encode()), len(normalized.encode()),
           len(f"{normal}@{ascii_domain}".encode())) > EMAIL_MAX_LENGTH:
        return None
    return normalized


@lru_cache(maxsize=65_536)
def _domain(domain: str) -> tuple[str, str] | None:
    """(normalized, ASCII) form of the part after the @-sign, or None if email-validator refuses
    it. The local part plays no role in email-validator's domain check, so one probe address
    stands for every address at the domain."""
    try:
        probe = email_validator.validate_email(f"a@{domain}", check_deliverability=False)
    except email_validator.EmailNotValidError:
        return None
    if probe.domain is None or probe.ascii_domain is None:  # pragma: no cover - not for names
        return None
    return probe.domain, probe.ascii_domain
