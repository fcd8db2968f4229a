"""Redaction: stable placeholders, the round trip, secrets, and un-redaction across stream chunks."""

from __future__ import annotations

import pytest

from cloudwaste.ai.redact import Redactor, scrub_secrets

ARN = "arn:aws:ec2:us-east-1:123456789012:volume/vol-0a1b2c3d4e5f60001"
GUID = "0b1f6c2e-1234-4cde-9abc-0123456789ab"
TEXT = (
    f"Account 123456789012 owns {ARN}. Subscription {GUID} (tenant {GUID.upper()}) "
    "is run by alice.ops@example.com; account 210987654321 peers with 123456789012."
)


def test_each_kind_gets_a_stable_numbered_placeholder() -> None:
    red = Redactor()
    out = red.text(TEXT)
    assert out == (
        "Account <ACCOUNT_1> owns <ARN_1>. Subscription <GUID_1> (tenant <GUID_2>) "
        "is run by <UPN_1>; account <ACCOUNT_2> peers with <ACCOUNT_1>."
    )
    assert red.text("123456789012") == "<ACCOUNT_1>"  # same value, same placeholder, later too
    assert red.mapping["<ARN_1>"] == ARN


def test_round_trip_gives_back_the_original_text() -> None:
    red = Redactor()
    assert red.unredact(red.text(TEXT)) == TEXT


def test_tag_values_are_placeholders_and_replaced_in_free_text_too() -> None:
    red = Redactor()
    assert red.tag_value("payments-prod") == "<TAG_VALUE_1>"
    assert red.tag_value("x") == "<TAG_VALUE_2>"
    assert red.tag_value("") == ""
    assert red.text("volume of payments-prod, not payments-production") == (
        "volume of <TAG_VALUE_1>, not payments-production"
    )
    assert red.text("x marks the spot") == "x marks the spot"  # short values only in the tag itself
    assert red.unredact("<TAG_VALUE_1> and <TAG_VALUE_2>") == "payments-prod and x"


def test_arn_stops_before_sentence_punctuation_and_quotes() -> None:
    red = Redactor()
    assert red.text(f'"{ARN}".') == '"<ARN_1>".'
    assert red.mapping["<ARN_1>"] == ARN


def test_numbers_that_are_not_account_ids_are_kept() -> None:
    red = Redactor()
    kept = "1234567890123 bytes, 12345678901 ms, vol-123456789012abc, 2026-12-01T07:24:55Z"
    assert red.text(kept) == kept


def test_disabled_keeps_values_but_still_scrubs_secrets() -> None:
    red = Redactor(enabled=False, secrets=["hunter2-literal"])
    text = f"{TEXT} key sk-ant-api03-abcdefghijkl AKIAABCDEFGHIJKLMNOP pw hunter2-literal"
    out = red.text(text)
    assert out.startswith(TEXT)
    assert "sk-ant-" not in out and "AKIA" not in out and "hunter2" not in out
    assert out.endswith("key <SECRET_1> <SECRET_2> pw <SECRET_3>")
    assert red.unredact(out) == out  # secrets are never mapped back
    assert red.tag_value("prod") == "prod"


def test_unknown_placeholders_stay_as_they_are() -> None:
    red = Redactor()
    red.text("123456789012")
    assert (
        red.unredact("<ACCOUNT_1> <ACCOUNT_9> <arn_1> <ACCOUNT_1")
        == "123456789012 <ACCOUNT_9> <arn_1> <ACCOUNT_1"
    )


def test_scrub_secrets_for_messages() -> None:
    assert scrub_secrets("bad key sk-ant-api03-abcdefghijkl!") == "bad key <SECRET>!"


ANSWER = "Delete <ARN_1> in <ACCOUNT_1> (owner <UPN_1>, tag <TAG_VALUE_1>) <b>not</b> <ACCOUNT_12> a<b"


def _redactor() -> Redactor:
    red = Redactor()
    red.text(f"{ARN} alice.ops@example.com")
    red.tag_value("payments-prod")
    for i in range(1, 13):
        red.text(f"1000000000{i:02d}")  # <ACCOUNT_1> ... <ACCOUNT_12>
    return red


@pytest.mark.parametrize("cut", range(1, len(ANSWER)))
def test_stream_unredactor_handles_a_placeholder_cut_anywhere(cut: int) -> None:
    red = _redactor()
    stream = red.streamer()
    out = stream.feed(ANSWER[:cut]) + stream.feed(ANSWER[cut:]) + stream.flush()
    assert out == red.unredact(ANSWER)
    assert ARN in out and "alice.ops@example.com" in out and "payments-prod" in out
    assert "100000000012" in out and "2>" not in out  # <ACCOUNT_12>, not <ACCOUNT_1> then "2>"


def test_stream_unredactor_one_character_at_a_time() -> None:
    red = _redactor()
    stream = red.streamer()
    pieces = [stream.feed(ch) for ch in ANSWER]
    assert "".join(pieces) + stream.flush() == red.unredact(ANSWER)
    assert all("<ARN" not in p and "<ACC" not in p for p in pieces)  # never a half placeholder on screen


def test_stream_unredactor_does_not_hold_ordinary_text() -> None:
    stream = _redactor().streamer()
    assert stream.feed("a < b and <html> tags") == "a < b and <html> tags"
    assert stream.feed(" then <ACC") == " then "
    assert stream.flush() == "<ACC"
