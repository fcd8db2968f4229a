"""One ``ask``: pick the scan, build the redacted context, add the history, and say what to store.

:func:`prepare` reads the store and returns a :class:`Prepared` request: :meth:`Prepared.body` is
exactly the JSON the Messages API receives (``--dry-run`` prints it). After a successful answer,
:func:`record` appends the question and the answer to the scan's conversation, always in redacted
form (even with ``--no-redact``), so ``--continue`` can send them again later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cloudwaste.ai.context import Context, build_context, estimate_tokens
from cloudwaste.ai.prompt import SYSTEM_PROMPT, user_message
from cloudwaste.ai.redact import Redactor
from cloudwaste.errors import UsageError
from cloudwaste.model import Finding
from cloudwaste.store import Store

DEFAULT_MODEL = "claude-sonnet-5-5"
DEFAULT_MAX_TOKENS = 2048
DEFAULT_TOP = 25
BUDGET_TOKENS = 32_000  # the whole prompt: system + history + data + question
HISTORY_SHARE = 4  # earlier turns get at most 1/4 of the budget (the oldest are dropped first)
MIN_DATA_TOKENS = 2_000


@dataclass(frozen=True)
class AskOptions:
    """What the user asked for (flags, config and defaults already merged)."""

    question: str
    scan: str = "latest"
    finding: str | None = None
    provider: str | None = None
    top: int = DEFAULT_TOP
    model: str = DEFAULT_MODEL
    max_tokens: int = DEFAULT_MAX_TOKENS
    redact: bool = True
    continue_history: bool = False
    budget_tokens: int = BUDGET_TOKENS
    now: datetime | None = None
    secrets: tuple[str, ...] = ()  # literal secrets to scrub wherever they appear (e.g. the API key)


@dataclass
class Prepared:
    """A request ready to send, and what is needed to display and store its answer."""

    scan_id: str
    question: str
    model: str
    max_tokens: int
    system: str
    messages: list[dict[str, str]]
    redactor: Redactor  # what the prompt used (maps the answer back for display)
    storage: Redactor  # always redacting: what goes into the store
    context: Context
    history_turns: int = 0
    focus: str | None = None
    dropped_turns: int = 0

    def body(self, *, stream: bool) -> dict[str, Any]:
        """The request body, exactly as sent to ``POST /v1/messages``."""
        body: dict[str, Any] = {
            "model": self.model,
            "max_tokens": self.max_tokens,
            "system": self.system,
            "messages": self.messages,
        }
        if stream:
            body["stream"] = True
        return body

    def display(self, answer: str) -> str:
        """The answer as the user sees it (placeholders mapped back)."""
        return self.redactor.unredact(answer)


def _focus(findings: list[Finding], ref: str, scan_id: str) -> Finding:
    prefix = ref.strip()
    if not prefix:
        raise UsageError("empty --finding", hint="pass a fingerprint or a unique prefix of one (cw1:...)")
    alt = prefix if prefix.startswith("cw1:") else "cw1:" + prefix
    matches = [f for f in findings if f.fingerprint.startswith((prefix, alt))]
    if not matches:
        raise UsageError(
            f"no finding {prefix!r} in scan {scan_id}",
            hint="see `cloudwaste findings list --scan ...`, or choose the scan with --scan",
        )
    if len(matches) > 1:
        raise UsageError(f"fingerprint prefix {prefix!r} is ambiguous ({len(matches)} findings)")
    return matches[0]


def _history(rows: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(question, answer) pairs in order; an unpaired row is skipped."""
    pairs: list[tuple[str, str]] = []
    pending: str | None = None
    for row in rows:
        if row["role"] == "user":
            pending = row["content"]
        elif row["role"] == "assistant" and pending is not None:
            pairs.append((pending, row["content"]))
            pending = None
    return pairs


def prepare(store: Store, opts: AskOptions) -> Prepared:
    """Build the request for ``opts`` from the store (reads only)."""
    question = opts.question.strip()
    if not question and not opts.finding:
        raise UsageError("ask needs a QUESTION (or --finding FINGERPRINT)", hint='cloudwaste ask "..."')
    if opts.top < 0:
        raise UsageError("--top must be 0 or more")
    if opts.max_tokens < 1:
        raise UsageError("--max-tokens must be at least 1")
    scan = store.get_scan(opts.scan)
    findings = store.findings(scan.id, now=opts.now)
    if (
        opts.provider
        and opts.provider not in scan.providers
        and not any(f.provider == opts.provider for f in findings)
    ):
        shown = ", ".join(scan.providers) or "none"
        raise UsageError(f"scan {scan.id} has no {opts.provider!r} data (its providers: {shown})")
    focus = _focus(findings, opts.finding, scan.id).fingerprint if opts.finding else None

    # placeholders for storage are always allocated, in the same order as the prompt's
    storage = Redactor(enabled=True, secrets=opts.secrets)
    redactor = storage if opts.redact else Redactor(enabled=False, secrets=opts.secrets)
    fixed = estimate_tokens(SYSTEM_PROMPT) + estimate_tokens(question) + 300
    history_rows = store.conversation(scan.id) if opts.continue_history else []
    pairs = _history(history_rows)
    kept: list[tuple[str, str]] = []
    spent = 0
    for q, a in reversed(pairs):  # newest first, within the history share
        cost = estimate_tokens(q) + estimate_tokens(a)
        if spent + cost > opts.budget_tokens // HISTORY_SHARE:
            break
        kept.insert(0, (q, a))
        spent += cost
    data_budget = max(MIN_DATA_TOKENS, opts.budget_tokens - fixed - spent)
    kwargs: dict[str, Any] = {
        "top": opts.top,
        "provider": opts.provider,
        "focus": focus,
        "budget_tokens": data_budget,
    }
    context = build_context(scan, findings, redactor, **kwargs)
    if redactor is not storage:
        build_context(scan, findings, storage, **kwargs)  # the same numbering, for what is stored
    sent_question = redactor.text(question)

    messages: list[dict[str, str]] = []
    for q, a in kept:  # stored redacted; sent as stored, or mapped back with --no-redact
        if redactor is storage:
            messages += [{"role": "user", "content": q}, {"role": "assistant", "content": a}]
        else:
            messages += [
                {"role": "user", "content": storage.unredact(q)},
                {"role": "assistant", "content": storage.unredact(a)},
            ]
    messages.append({"role": "user", "content": user_message(context.text, sent_question, focus)})
    return Prepared(
        scan_id=scan.id,
        question=question,
        model=opts.model,
        max_tokens=opts.max_tokens,
        system=SYSTEM_PROMPT,
        messages=messages,
        redactor=redactor,
        storage=storage,
        context=context,
        history_turns=len(kept),
        focus=focus,
        dropped_turns=len(pairs) - len(kept),
    )


def record(store: Store, prepared: Prepared, answer: str, model: str | None = None) -> None:
    """Append the question and the model's answer to the scan's conversation (redacted text only)."""
    question = prepared.question or f"Explain the finding {prepared.focus}"
    if prepared.focus and prepared.question:
        question = f"(about finding {prepared.focus}) {prepared.question}"
    store.add_conversation_turn(
        prepared.scan_id,
        prepared.storage.text(question),
        prepared.storage.text(answer),
        model or prepared.model,
    )
