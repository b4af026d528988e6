"""A card's fields: what a salesperson may type, and the sentence they get when it is refused."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from leadboard.domain.card import UNSURE, parse_assignments, plain_money_value, plain_text_value, validate_fields
from leadboard.domain.errors import InvalidInput
from leadboard.domain.text import LIMITS


def refusal(**fields) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        validate_fields({"name": "Grace Hopper"} | fields)
    return caught.value


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("email", "grace.example.com", "not a valid email"),
        ("email", "grace@", "not a valid email"),
        ("phone", "call me maybe", "not a phone number"),
        ("phone", "12345", "not a phone number"),
        ("phone", "+1 555 0100 0100 0100 99", "not a phone number"),
        ("budget", "-1", "must not be negative"),
        ("value", "-0.01", "must not be negative"),
        ("budget", "twelve grand", "is not an amount"),
        ("budget", "1000000000000.01", "is too large"),
        ("purchase_by", "2025-02-30", "is not a date"),
        ("close_by", "next tuesday", "is not a date"),
        ("contract_signed_on", "1850-01-01", "year must be between 1900 and 2200"),
        ("name", "x" * (LIMITS.line + 1), f"is too long (at most {LIMITS.line} characters)"),
        ("company", "y" * (LIMITS.line + 1), "is too long"),
        ("authority", "maybe", "must be yes or no"),
        ("supplier", "acme", "must be one of none, current or dropped"),
        ("kind", "robot", "must be one of person or company"),
    ],
)
def test_bad_value_is_refused_with_a_message_naming_the_field(field, value, says):
    error = refusal(**{field: value})
    assert error.field == field
    assert str(error).startswith(f"{field}: ")
    assert says in str(error)
    assert "\n" not in str(error)


def test_budget_with_fractions_of_a_cent_is_refused_as_such():
    error = refusal(budget="12.345")
    assert error.field == "budget"
    assert "decimal places" in str(error)


def test_unknown_field_is_refused_by_name():
    error = refusal(colour="red")
    assert error.field == "colour"
    assert "Unknown field 'colour'" in str(error)


@pytest.mark.parametrize("name", ["", "   ", None])
def test_card_needs_a_name(name):
    error = refusal(name=name)
    assert error.field == "name"
    assert str(error) == "name: is required"


def test_every_bad_field_is_reported_for_a_form_to_mark():
    error = refusal(name="", email="nope", budget="-5", purchase_by="soon")
    assert set(error.errors) == {"name", "email", "budget", "purchase_by"}
    assert error.errors["budget"] == "must not be negative"


def test_good_values_are_cleaned_up():
    fields = validate_fields({
        "name": "  Grace Hopper ",
        "company": "",
        "email": "grace@example.com",
        "phone": "+44 (20) 7946-0018",
        "budget": "12500.50",
        "purchase_by": "2025-09-01",
        "authority": "yes",
        "supplier": "dropped",
    })
    assert fields.name == "Grace Hopper"
    assert fields.company is None  # blank means "not known", not an empty string
    assert fields.budget == Decimal("12500.50")
    assert fields.purchase_by == date(2025, 9, 1)
    assert fields.authority is True
    assert fields.supplier == "dropped"


def test_terminal_escapes_are_stripped_from_what_a_user_types():
    fields = validate_fields({"name": "\x1b[31mGrace\x07 Hopper", "notes": "line one\nline\x1b[2J two"})
    assert fields.name == "[31mGrace Hopper"
    assert "\x1b" not in fields.notes
    assert fields.notes == "line one\nline[2J two"  # newlines are kept in long text


def test_markup_in_a_name_is_kept_as_typed():
    assert validate_fields({"name": "[bold red]Acme[/] & Co"}).name == "[bold red]Acme[/] & Co"


def test_command_line_assignments_become_fields():
    assert parse_assignments(["budget=5000", "notes=a=b", "need= CRM "]) == {
        "budget": "5000", "notes": "a=b", "need": " CRM ",
    }


@pytest.mark.parametrize(("pair", "field"), [("budget", "--set"), ("=5", "--set"), ("colour=red", "colour")])
def test_bad_command_line_assignment_names_what_is_wrong(pair, field):
    with pytest.raises(InvalidInput) as caught:
        parse_assignments([pair])
    assert caught.value.field == field
    assert field.lstrip("-") in str(caught.value)


PLAIN_TEXT_FIELDS = ["name", "company", "title", "phone", "owner", "decision_maker", "payment_terms", "need",
                     "requirements", "terms", "notes", "email"]
ODD_TEXTS = ["Ada", " Ada ", "", "   ", "Zürich AG", "a\tb", "a\nb", "\x1b[31mred", "a\u202eb", "a\u00a0",
             "\u2003Ada", "Ada\u3000", "\x85Ada", "x" * 200, "x" * 201, " " + "x" * 200, "x" * 4000, "x" * 4001,
             "+44 20 7946 0958", "(555) 010-0100", "12345", "555 0100 0100 0100 0100", "ext. 101", "null",
             "ada@example.com", " Ada.Lovelace@Example.COM ", "ada@localhost", "postmaster@example.com",
             "ünï@example.com", "ada@münchen.example.com", "Ada <ada@example.com>", '"a b"@example.com',
             "a..b@example.com", "ada@example", "a" * 65 + "@example.com", "a@" + "b" * 250 + ".com", "@", "a@b@c"]


def _model_value(field: str, value: str) -> object:
    data = {"name": value} if field == "name" else {"name": "Grace", field: value}
    try:
        return ("ok", getattr(validate_fields(data), field))
    except InvalidInput:
        return ("refused",)


@pytest.mark.parametrize("field", PLAIN_TEXT_FIELDS)
def test_plain_text_is_read_as_the_model_reads_it(field):
    answered = 0
    for value in ODD_TEXTS:
        fast = plain_text_value(field, value)
        if fast is not UNSURE:
            answered += 1
            assert ("ok", fast) == _model_value(field, value), (field, value)
    assert answered >= 3  # the common values are answered without the model


ODD_AMOUNTS = ["0", "5000", "67369", "0067369", "12.5", "12.50", "12.05", "0.01", "0.00", "1.234", "12,500",
               "$22,700.00", "1.234,56", "20k", " 500", "500 ", "-1", "+1", "1e3", ".5", "5.", "1000000000000",
               "1000000000000.00", "1000000000000.01", "9999999999999", "99999999999999", "١٢٣", "12.5.1", "", "null"]


@pytest.mark.parametrize("field", ["budget", "value"])
def test_a_plain_amount_is_read_as_the_model_reads_it(field):
    answered = 0
    for value in ODD_AMOUNTS:
        fast = plain_money_value(value)
        if fast is not UNSURE:
            answered += 1
            model = _model_value(field, value)
            # the same amount, written the same way (what the card shows and the database stores)
            assert model == ("ok", fast) and str(model[1]) == str(fast), (field, value)
    assert answered == 11  # plain digits, up to two decimals, up to the most an amount may be
    assert plain_money_value(None) is UNSURE and plain_money_value(5000) is UNSURE


def test_plain_text_leaves_other_fields_and_values_to_the_model():
    assert plain_text_value("budget", "5000") is UNSURE
    assert plain_text_value("kind", "person") is UNSURE
    assert plain_text_value("name", "") is UNSURE  # a card needs a name: the model says so
    assert plain_text_value("notes", "a\nb") is UNSURE
    assert plain_text_value("phone", "call me") is UNSURE
    assert plain_text_value("email", "bad") is UNSURE
