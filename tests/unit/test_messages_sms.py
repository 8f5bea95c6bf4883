import pytest

from dunning.adapters import SmsEncoding
from dunning.messages.sms import GSM7_BASIC, GSM7_EXTENSION, is_gsm7, smart_encode, sms_parts


def test_the_alphabets_have_their_standard_sizes() -> None:
    # TS 23.038: 128 characters in the default alphabet (the escape is not a character), and
    # ten in the extension table that a phone can send.
    assert len(GSM7_BASIC) == 127
    assert len(GSM7_EXTENSION) == 10
    assert not GSM7_BASIC & GSM7_EXTENSION


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", SmsEncoding.GSM_7, 0, 1),
        ("x" * 160, SmsEncoding.GSM_7, 160, 1),
        ("x" * 161, SmsEncoding.GSM_7, 161, 2),
        ("x" * 306, SmsEncoding.GSM_7, 306, 2),
        ("x" * 307, SmsEncoding.GSM_7, 307, 3),
        ("€" * 80, SmsEncoding.GSM_7, 160, 1),
        ("€" + "x" * 159, SmsEncoding.GSM_7, 161, 2),
        # an escape pair is never split: 152 septets, then "€" needs two more than 153
        ("x" * 152 + "€" + "x" * 10, SmsEncoding.GSM_7, 164, 2),
        ("x" * 152 + "€" + "x" * 152, SmsEncoding.GSM_7, 306, 3),
        ("ó" * 70, SmsEncoding.UCS_2, 70, 1),
        ("ó" * 71, SmsEncoding.UCS_2, 71, 2),
        ("ó" * 134, SmsEncoding.UCS_2, 134, 2),
        ("ó" * 135, SmsEncoding.UCS_2, 135, 3),
        ("😀" * 35, SmsEncoding.UCS_2, 70, 1),
        # a surrogate pair is never split: 66 units, then the emoji goes to the next segment
        ("a" * 66 + "😀" + "a" * 10, SmsEncoding.UCS_2, 78, 2),
        ("á" * 66 + "😀" + "a" * 66, SmsEncoding.UCS_2, 134, 3),
    ],
)
def test_encoding_units_and_segments(
    text: str, encoding: SmsEncoding, units: int, segments: int
) -> None:
    parts = sms_parts(text)
    assert (parts.encoding, parts.units, parts.segments) == (encoding, units, segments)


def test_spanish_and_portuguese_letters() -> None:
    assert is_gsm7("¿Pagó? ñ é ü Ç ¡Sí!") is False  # ó and í are not GSM-7
    assert is_gsm7("¿Pague? ñ é ü Ç ¡Ya!") is True


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Su factura vence el día 20", "Su factura vence el dia 20"),
        ("Pagó con tarjeta y ganó", "Pago con tarjeta y gano"),
        ("R$\xa01.234,50 — serviço", "R$ 1.234,50 - serviÇo"),
        ("“Aviso” n.º 3…", '"Aviso" n.o 3...'),
        ("ÁÍÓÚ ãõê", "AIOU aoe"),
        ("Mañana, café, pingüino", "Mañana, café, pingüino"),
    ],
)
def test_smart_encode_keeps_the_message_in_gsm7(text: str, expected: str) -> None:
    assert smart_encode(text) == expected
    assert is_gsm7(expected)


def test_smart_encode_keeps_what_has_no_gsm_spelling() -> None:
    assert smart_encode("Pago 😀 día") == "Pago 😀 dia"
    assert sms_parts(smart_encode("Pago 😀 día")).encoding is SmsEncoding.UCS_2
