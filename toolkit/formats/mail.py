"""E-mail messages (.eml, one message; mbox, many) with the standard library's `email`.

A message gives its headers (sender, date as ISO 8601, subject, Message-ID), its body
(the text/plain alternative preferred, else text/html) and its attachments as
(file name, bytes); what becomes of them is toolkit.formats' business.
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass, field
from email.message import EmailMessage

# An mbox separates messages with a line starting "From " (mboxrd escapes such lines in
# bodies as ">From ", with one more ">" each time).
_MBOX_FROM = re.compile(rb"^From [^\r\n]*\r?\n", re.MULTILINE)
_MBOX_ESCAPED = re.compile(rb"^>(>*From )", re.MULTILINE)


@dataclass
class Message:
    sender: str | None
    date: str | None  # ISO 8601, with the sender's offset
    subject: str | None
    message_id: str | None
    body: str | None = None
    body_markup: str = "txt"  # or "html"
    attachments: list[tuple[str, bytes]] = field(default_factory=list)


def read_eml(data: bytes) -> Message:
    return _message(email.message_from_bytes(data, policy=email.policy.default))


def read_mbox(data: bytes) -> list[Message]:
    """The messages of an mbox file, in order (text before the first "From " line, if
    any, is read as a message too)."""
    return [read_eml(_MBOX_ESCAPED.sub(rb"\1", chunk)) for chunk in _MBOX_FROM.split(data)
            if chunk.strip()]


def _message(message: EmailMessage) -> Message:
    found = Message(sender=_header(message, "from"), date=_date(message),
                    subject=_header(message, "subject"),
                    message_id=_header(message, "message-id"))
    body = message.get_body(preferencelist=("plain", "html"))
    if body is not None:
        found.body = _text(body)
        found.body_markup = "html" if body.get_content_subtype() == "html" else "txt"
    for number, part in enumerate(message.iter_attachments(), start=1):
        if part.get_content_maintype() == "multipart" or part.get_content_type() == \
                "message/rfc822":
            name = part.get_filename() or f"attachment-{number}.eml"
            found.attachments.append((name, b""))  # a forwarded message: reported, not read
            continue
        payload = part.get_payload(decode=True) or b""
        found.attachments.append((part.get_filename() or _unnamed(part, number), payload))
    return found


def _unnamed(part: EmailMessage, number: int) -> str:
    """A name for an attachment sent without one, its suffix from its content type."""
    import mimetypes

    suffix = mimetypes.guess_extension(part.get_content_type(), strict=False) or ""
    return f"attachment-{number}{suffix}"


def _header(message: EmailMessage, name: str) -> str | None:
    try:
        value = message.get(name)
    except (ValueError, IndexError, TypeError):  # a header the parser cannot make sense of
        return None
    return " ".join(str(value).split()) or None if value is not None else None


def _date(message: EmailMessage) -> str | None:
    try:
        header = message.get("date")
        moment = getattr(header, "datetime", None)
    except (ValueError, IndexError, TypeError):
        return None
    return moment.isoformat() if moment is not None else None


def _text(part: EmailMessage) -> str:
    """A text part's content; a wrong or unknown charset label falls back to the toolkit's
    own decoding of the bytes."""
    try:
        return part.get_content()
    except (LookupError, UnicodeDecodeError):
        from toolkit.ingest import decode_bytes

        raw = part.get_payload(decode=True) or b""
        decoded = decode_bytes(raw)
        return decoded[0] if decoded else raw.decode("utf-8", "replace")
