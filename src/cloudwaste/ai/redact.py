"""Redaction with stable placeholders, and the reverse mapping for the displayed answer.

With redaction on (the default) these never leave the machine:

=====================  ===================================================  ================
what                   how it is recognised                                 placeholder
=====================  ===================================================  ================
AWS ARNs               ``arn:aws...:...`` (also aws-cn, aws-us-gov, ...)     ``<ARN_1>``
user principal names   ``name@domain.tld`` (also any e-mail address)        ``<UPN_1>``
GUIDs                  Azure subscription and tenant ids (any GUID)          ``<GUID_1>``
AWS account ids        12 digits standing alone                             ``<ACCOUNT_1>``
tag values             every value in a resource's tags (and the same text  ``<TAG_VALUE_1>``
                       elsewhere, when it is at least 4 characters long)
=====================  ===================================================  ================

The same value always gets the same placeholder within one :class:`Redactor`, numbered in the order
values are first seen (the context builder feeds them in a deterministic order, so the same scan
gives the same numbers). Whatever the setting, strings that look like credentials (``sk-ant-...``
API keys, ``AKIA``/``ASIA`` access key ids, and any literal passed as ``secrets``) become
``<SECRET_n>`` and are never mapped back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

KINDS = ("ACCOUNT", "ARN", "GUID", "TAG_VALUE", "UPN", "SECRET")
PLACEHOLDER_RE = re.compile(r"<(ACCOUNT|ARN|GUID|TAG_VALUE|UPN|SECRET)_(\d+)>")
MIN_LITERAL = 4  # shorter tag values are replaced only where they appear as tag values

_SECRET = r"sk-ant-[A-Za-z0-9_\-]{8,}|(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])"
_STOP = r"\s\"'`<>,;()\[\]{}|\\"
_ARN = rf"arn:aws[a-z\-]*:[^{_STOP}]*[^{_STOP}.:]"
_UPN = r"(?<![\w.%+'\-])[A-Za-z0-9._%+'\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}(?![\w\-])"
_HEX = "[0-9A-Fa-f]"
_GUID = rf"(?<!{_HEX}){_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}}(?!{_HEX})"
_ACCOUNT = r"(?<![A-Za-z0-9])\d{12}(?![A-Za-z0-9])"
_SECRET_ONLY = re.compile(f"(?P<SECRET>{_SECRET})")

# A held-back stream tail that may still become a placeholder: "<", "<ACC", "<ACCOUNT_1", ...
_PARTIAL = re.compile(r"<[A-Z_]*\d*\Z")
_MAX_PLACEHOLDER = max(len(k) for k in KINDS) + 12


class Redactor:
    """Replace sensitive values by stable placeholders; ``enabled=False`` still scrubs secrets."""

    def __init__(self, enabled: bool = True, secrets: Iterable[str] = ()) -> None:
        self.enabled = enabled
        self._placeholders: dict[tuple[str, str], str] = {}
        self._originals: dict[str, str] = {}
        self._counts: dict[str, int] = dict.fromkeys(KINDS, 0)
        self._literals: dict[str, str] = {}  # tag value -> placeholder, replaced in free text too
        self._secrets = sorted({s for s in secrets if len(s) >= MIN_LITERAL}, key=lambda s: (-len(s), s))
        self._pattern: re.Pattern[str] | None = None

    # -- redacting ------------------------------------------------------------------------------

    def placeholder(self, kind: str, value: str) -> str:
        """The placeholder of ``value`` (allocated on first use)."""
        key = (kind, value)
        found = self._placeholders.get(key)
        if found is None:
            self._counts[kind] += 1
            found = f"<{kind}_{self._counts[kind]}>"
            self._placeholders[key] = found
            if kind != "SECRET":
                self._originals[found] = value
        return found

    def tag_value(self, value: str) -> str:
        """A tag value: always a placeholder when enabled (an empty value stays empty)."""
        if not self.enabled:
            return self.text(value)
        if value == "":
            return value
        ph = self.placeholder("TAG_VALUE", value)
        if len(value) >= MIN_LITERAL and value not in self._literals:
            self._literals[value] = ph
            self._pattern = None
        return ph

    def text(self, value: str) -> str:
        """Free text with every recognised value replaced (secrets only, when disabled)."""
        if not value:
            return value
        return self._regex().sub(self._replace, value)

    def _regex(self) -> re.Pattern[str]:
        if self._pattern is None:
            parts = []
            if self._secrets:
                parts.append("(?P<LITERAL_SECRET>" + "|".join(re.escape(s) for s in self._secrets) + ")")
            parts.append(f"(?P<SECRET>{_SECRET})")
            if self.enabled:
                if self._literals:
                    ordered = sorted(self._literals, key=lambda s: (-len(s), s))
                    alts = "|".join(re.escape(s) for s in ordered)
                    parts.append(rf"(?P<TAG_VALUE>(?<![A-Za-z0-9_])(?:{alts})(?![A-Za-z0-9_]))")
                parts += [f"(?P<ARN>{_ARN})", f"(?P<UPN>{_UPN})", f"(?P<GUID>{_GUID})"]
                parts.append(f"(?P<ACCOUNT>{_ACCOUNT})")
            self._pattern = re.compile("|".join(parts))
        return self._pattern

    def _replace(self, match: re.Match[str]) -> str:
        kind = match.lastgroup or "SECRET"
        if kind == "LITERAL_SECRET":
            kind = "SECRET"
        if kind == "TAG_VALUE":
            return self._literals[match.group(0)]
        return self.placeholder(kind, match.group(0))

    # -- mapping back ---------------------------------------------------------------------------

    @property
    def mapping(self) -> dict[str, str]:
        """Placeholder -> original value (secrets are never in it)."""
        return dict(self._originals)

    def unredact(self, text: str) -> str:
        """Put the original values back; unknown placeholders (and secrets) stay as they are."""
        if not self._originals or "<" not in text:
            return text
        return PLACEHOLDER_RE.sub(lambda m: self._originals.get(m.group(0), m.group(0)), text)

    def streamer(self) -> StreamUnredactor:
        """A stateful un-redactor for text that arrives in chunks."""
        return StreamUnredactor(self)


class StreamUnredactor:
    """Map placeholders back in streamed text, holding back a placeholder cut across two chunks."""

    def __init__(self, redactor: Redactor) -> None:
        self._redactor = redactor
        self._pending = ""

    def feed(self, chunk: str) -> str:
        """The text that is safe to show now (a possible partial placeholder is kept for later)."""
        text = self._pending + chunk
        self._pending = ""
        cut = text.rfind("<")
        if cut != -1 and len(text) - cut <= _MAX_PLACEHOLDER and _PARTIAL.match(text, cut):
            text, self._pending = text[:cut], text[cut:]
        return self._redactor.unredact(text)

    def flush(self) -> str:
        """Whatever is still held back (at the end of the stream)."""
        text, self._pending = self._pending, ""
        return self._redactor.unredact(text)


def scrub_secrets(text: str) -> str:
    """Replace anything that looks like a credential by ``<SECRET>`` (for logs and messages)."""
    return _SECRET_ONLY.sub("<SECRET>", text)
