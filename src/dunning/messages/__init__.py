"""Messages in the customer's language: a catalog of templates per locale, and `render`.

`render(action, customer, link=...)` turns a `SendMessage` of an evaluation (or a `Notice`
for what the engine does not decide, such as a receipt) into an `OutgoingMessage` for the
channel's sender: e-mail with subject, text and escaped HTML; SMS with its GSM-7 or UCS-2
encoding and segment count; a WhatsApp template name with ordered parameters; a printable
letter. The bundled catalog speaks neutral Spanish and the Spanish of Colombia, Chile and
Mexico, Brazilian Portuguese and English, in a friendly, firm or final tone; a host replaces
any phrase and maps its policies' template ids to entries with `load_catalog`. Templates are
Jinja2 (optional extra ``messages``) compiled in a sandbox. Under a collections contact law
(``render(..., jurisdiction="mx")`` or the customer's own), the content the law requires is
checked (`missing_content`) and stated in the message.
"""

from dunning.messages.catalog import (
    LOCALES,
    MESSAGE_KINDS,
    Catalog,
    bundled_catalog,
    fallback_chain,
    load_catalog,
)
from dunning.messages.localize import LocaleFormatter
from dunning.messages.render import WHATSAPP_PARAMETERS, Business, Notice, render
from dunning.messages.required import CollectionDetails, check_content, missing_content
from dunning.messages.sms import smart_encode, sms_parts

__all__ = [
    "LOCALES",
    "MESSAGE_KINDS",
    "WHATSAPP_PARAMETERS",
    "Business",
    "Catalog",
    "CollectionDetails",
    "LocaleFormatter",
    "Notice",
    "bundled_catalog",
    "check_content",
    "fallback_chain",
    "load_catalog",
    "missing_content",
    "render",
    "smart_encode",
    "sms_parts",
]
