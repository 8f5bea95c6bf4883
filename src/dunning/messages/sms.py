"""SMS encoding and segments (3GPP TS 23.038 and TS 23.040).

A text travels in the GSM 7-bit default alphabet when every character is in it (the
characters of the extension table, such as `€`, `[` or `{`, take two septets, an escape and the
character); otherwise in UCS-2, one UTF-16 code unit per character (two for characters outside
the Basic Multilingual Plane). One segment carries 160 septets or 70 UCS-2 units; a longer text
is split into concatenated segments of 153 septets or 67 units, the rest of each segment
holding the concatenation header. A segment never ends in the middle of an escape sequence or
of a surrogate pair.

Spanish and Portuguese need care: `é`, `ñ`, `ü` and `Ç` are GSM-7 letters, but `á`, `í`, `ó`,
`ú`, `ã`, `õ`, `ê` and `ç` are not, and a single one of them turns a 160-character message into
a 70-character one. `smart_encode` replaces them with their unaccented letters, as SMS
gateways' "smart encoding" options do, when the text would otherwise leave GSM-7.

>>> sms_parts("Su factura FE-9111 vence hoy.")
SmsParts(encoding=<SmsEncoding.GSM_7: 'gsm-7'>, units=29, segments=1)
>>> sms_parts("Su factura vence el día 20").encoding.value
'ucs-2'
>>> smart_encode("Su factura vence el día 20; pagué €5")
'Su factura vence el dia 20; pagué €5'
"""

from __future__ import annotations

import unicodedata

from dunning.adapters import SmsEncoding, SmsParts

__all__ = [
    "GSM7_BASIC",
    "GSM7_EXTENSION",
    "is_gsm7",
    "smart_encode",
    "sms_parts",
]

#: The GSM 7-bit default alphabet (TS 23.038 section 6.2.1), one septet each.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
#: The extension table (section 6.2.1.1): two septets each, the escape and the character.
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

_SINGLE = (160, 70)
_CONCATENATED = (153, 67)

# Characters outside GSM-7 with a faithful GSM-7 spelling; letters with accents not in the
# alphabet lose the accent (through Unicode decomposition) unless listed here.
_REPLACEMENTS = {
    "\u00a0": " ",  # no-break space, which babel puts between "R$" and the amount
    "\u202f": " ",  # narrow no-break space (French and some CLDR number formats)
    "\u2009": " ",
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2013": "-",
    "\u2014": "-",
    "\u2026": "...",
    "\u00ba": "o",  # "n.º"
    "\u00aa": "a",
    "\u00e7": "Ç",  # GSM-7 only has the capital cedilla; it is what Brazilian SMS use
}


def is_gsm7(text: str) -> bool:
    """Whether every character of `text` is in the GSM-7 alphabet or its extension."""
    return all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text)


def _gsm_spelling(char: str) -> str:
    if char in GSM7_BASIC or char in GSM7_EXTENSION:
        return char
    replacement = _REPLACEMENTS.get(char)
    if replacement is not None:
        return replacement
    base = unicodedata.normalize("NFD", char)[0]
    return base if base in GSM7_BASIC else char


def smart_encode(text: str) -> str:
    """`text` spelt in GSM-7 where a character has a faithful GSM-7 spelling.

    Accented letters that GSM-7 lacks lose their accent (`á` becomes `a`), typographic quotes,
    dashes and no-break spaces become their plain forms; letters GSM-7 has (`é`, `ñ`, `ü`) are
    kept. Characters with no GSM-7 spelling (emoji, CJK) are kept, and the text stays UCS-2.
    """
    if is_gsm7(text):
        return text
    return "".join(_gsm_spelling(char) for char in text)


def _segments(sizes: list[int], single: int, concatenated: int) -> int:
    total = sum(sizes)
    if total <= single:
        return 1
    segments, used = 1, 0
    for size in sizes:
        if used + size > concatenated:
            segments += 1
            used = 0
        used += size
    return segments


def sms_parts(text: str) -> SmsParts:
    """The encoding of `text`, its length in septets or UTF-16 units, and its segment count.

    >>> sms_parts("x" * 160).segments, sms_parts("x" * 161).segments
    (1, 2)
    >>> sms_parts("€" * 80)
    SmsParts(encoding=<SmsEncoding.GSM_7: 'gsm-7'>, units=160, segments=1)
    >>> sms_parts("ó" * 70).segments, sms_parts("ó" * 71).segments
    (1, 2)
    """
    if is_gsm7(text):
        sizes = [2 if char in GSM7_EXTENSION else 1 for char in text]
        encoding, single, concatenated = SmsEncoding.GSM_7, _SINGLE[0], _CONCATENATED[0]
    else:
        sizes = [2 if ord(char) > 0xFFFF else 1 for char in text]
        encoding, single, concatenated = SmsEncoding.UCS_2, _SINGLE[1], _CONCATENATED[1]
    return SmsParts(
        encoding=encoding, units=sum(sizes), segments=_segments(sizes, single, concatenated)
    )
