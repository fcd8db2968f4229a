"""``cloudwaste ask``: answers about a stored scan from Anthropic's Messages API, streamed to the terminal.

Parsing and rendering only: the request is built by :mod:`cloudwaste.ai.session` and sent by
:mod:`cloudwaste.ai.client`. Nothing heavy (anthropic, rich) is imported until the command runs.
"""

from __future__ import annotations

import re
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from cloudwaste.cli import console
from cloudwaste.cli.options import Db, Now

if TYPE_CHECKING:
    from cloudwaste.ai.client import Answer
    from cloudwaste.ai.session import Prepared

EPILOG = """\
Examples:

\b
  cloudwaste ask "why is my NAT gateway flagged and is it safe to delete?"
  cloudwaste ask --finding cw1:3f2a                       # explain one finding in depth
  cloudwaste ask --continue "and the snapshots of it?"    # follow up (history kept per scan)
  cloudwaste ask "top 3 savings?" --top 10 --format json  # {question, answer, model, usage, findings_used}
  cloudwaste ask "what is sent?" --dry-run                # print the exact request, send nothing

\b
The API key comes from ANTHROPIC_API_KEY, else the OS keyring (cloudwaste auth add anthropic);
ANTHROPIC_BASE_URL is honoured. Account ids, ARNs, subscription/tenant ids, tag values and user
names are replaced by placeholders before sending (--no-redact to send them) and mapped back in the
answer. Only the local store is used: no cloud call, no tool for the model.

\b
Exit codes: 0 ok, 1 error, 2 usage (also an unknown model), 5 no or rejected API key,
6 network failure, 7 rate limited (429), 8 API overloaded (529), 9 prompt too long, 130 interrupted.
"""

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
FORMATS = ("text", "json")


def _fmt(value: str) -> str:
    value = value.lower()
    if value not in FORMATS:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(FORMATS)}")
    return value


def _printable(text: str) -> str:
    """No terminal control sequences from the model or the cloud data (newlines and tabs kept)."""
    return _CONTROL.sub("", text)


def _stream_plain(prepared: Prepared, api_key: str) -> Answer:
    from cloudwaste.ai import client

    unredact = prepared.redactor.streamer()
    last = ["\n"]  # the last character written

    def write(text: str) -> None:
        if text:
            sys.stdout.write(text)
            sys.stdout.flush()
            last[0] = text[-1]

    answer = client.stream(prepared.body(stream=True), api_key, lambda c: write(_printable(unredact.feed(c))))
    write(_printable(unredact.flush()))
    if last[0] != "\n":
        write("\n")
    return answer


def _stream_live(prepared: Prepared, api_key: str) -> Answer:
    import time

    from rich.console import Console
    from rich.live import Live
    from rich.markdown import Markdown

    from cloudwaste.ai import client

    unredact = prepared.redactor.streamer()
    shown: list[str] = []
    last = [0.0]
    out = Console(highlight=False)
    with Live(Markdown(""), console=out, refresh_per_second=10, vertical_overflow="visible") as live:

        def on_text(chunk: str) -> None:
            shown.append(_printable(unredact.feed(chunk)))
            now = time.monotonic()
            if now - last[0] >= 0.08:
                live.update(Markdown("".join(shown)))
                last[0] = now

        answer = client.stream(prepared.body(stream=True), api_key, on_text)
        shown.append(_printable(unredact.flush()))
        live.update(Markdown("".join(shown)), refresh=True)
    return answer


def ask(
    question: Annotated[
        str, typer.Argument(metavar="QUESTION", help="What to ask (optional with --finding).")
    ] = "",
    scan: Annotated[
        str,
        typer.Option(
            "--scan",
            metavar="ID|latest",
            envvar="CLOUDWASTE_ASK_SCAN",
            show_envvar=True,
            help="Scan id, unique prefix or 'latest'.",
        ),
    ] = "latest",
    finding: Annotated[
        str | None,
        typer.Option(
            "--finding",
            metavar="FINGERPRINT",
            help="Explain this finding in depth: rule, evidence, cost, risks, how to verify, commands.",
        ),
    ] = None,
    provider: Annotated[
        str | None,
        typer.Option(
            "--provider",
            metavar="PROVIDER",
            envvar="CLOUDWASTE_ASK_PROVIDER",
            show_envvar=True,
            help="Only this provider's findings (aws, azure, ...).",
        ),
    ] = None,
    top: Annotated[
        int | None,
        typer.Option(
            "--top",
            metavar="N",
            envvar="CLOUDWASTE_AI_TOP",
            show_envvar=True,
            min=0,
            help="At most N findings in the context, highest monthly cost first [config: ai.top; 25].",
        ),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            metavar="MODEL",
            envvar="CLOUDWASTE_AI_MODEL",
            show_envvar=True,
            help="Claude model [config: ai.model; claude-sonnet-5-5].",
        ),
    ] = None,
    max_tokens: Annotated[
        int | None,
        typer.Option(
            "--max-tokens",
            metavar="N",
            envvar="CLOUDWASTE_AI_MAX_TOKENS",
            show_envvar=True,
            min=1,
            help="Longest answer, in tokens [config: ai.max_tokens; 2048].",
        ),
    ] = None,
    redact: Annotated[
        bool | None,
        typer.Option(
            "--redact/--no-redact",
            envvar="CLOUDWASTE_AI_REDACT",
            show_envvar=True,
            help="Replace account ids, ARNs, GUIDs, tag values and user names by placeholders "
            "[config: ai.redact; on].",
        ),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            "--show-prompt",
            help="Print exactly the request that would be sent (JSON) and send nothing.",
        ),
    ] = False,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMAT",
            envvar="CLOUDWASTE_ASK_FORMAT",
            show_envvar=True,
            callback=_fmt,
            help="text (streamed; Markdown on a terminal) or json (not streamed).",
        ),
    ] = "text",
    continue_: Annotated[
        bool,
        typer.Option(
            "--continue",
            "-c",
            help="Send this scan's earlier questions and answers too (kept in the store, redacted).",
        ),
    ] = False,
    db: Db = None,
    now: Now = None,
) -> None:
    """Ask about a stored scan; the answer streams, grounded only in the local store's findings."""
    with console.handled():
        import dataclasses
        import json
        import os

        from cloudwaste.ai import client
        from cloudwaste.ai import session as ses
        from cloudwaste.cli.common import open_store
        from cloudwaste.cli.options import parse_now
        from cloudwaste.cli.tables import print_json
        from cloudwaste.config import load_config

        conf = load_config().data.ai
        env_key = os.environ.get(client.API_KEY_ENV, "").strip()
        opts = ses.AskOptions(
            question=question,
            scan=scan,
            finding=finding,
            provider=provider,
            top=top if top is not None else (conf.top if conf.top is not None else ses.DEFAULT_TOP),
            model=model or conf.model or ses.DEFAULT_MODEL,
            max_tokens=max_tokens or conf.max_tokens or ses.DEFAULT_MAX_TOKENS,
            redact=redact if redact is not None else (conf.redact if conf.redact is not None else True),
            continue_history=continue_,
            now=parse_now(now),
            secrets=(env_key,) if env_key else (),
        )
        with open_store(db) as store:
            prepared = ses.prepare(store, opts)
            if dry_run:
                print_json(prepared.body(stream=fmt == "text"))
                return
            api_key = client.resolve_api_key()  # after the usage checks: exit 2 outranks exit 5
            if api_key != env_key and api_key in json.dumps(prepared.body(stream=False)):
                opts = dataclasses.replace(opts, secrets=(api_key,))
                prepared = ses.prepare(store, opts)  # the keyring's key never goes out either
        ctx = prepared.context
        if sys.stderr.isatty():
            left = f", {ctx.left_out} left out" if ctx.left_out else ""
            console.say(
                f"scan {prepared.scan_id}: {len(ctx.findings_used)} of {ctx.findings_total} findings in "
                f"context{left}; redaction {'on' if opts.redact else 'OFF'}; model {opts.model}"
            )
        if fmt == "json":
            answer = client.complete(prepared.body(stream=False), api_key)
            print_json(
                {
                    "question": prepared.question,
                    "answer": _printable(prepared.display(answer.text)),
                    "model": answer.model,
                    "usage": answer.usage,
                    "findings_used": ctx.findings_used,
                }
            )
        elif console.stdout_is_tty():
            answer = _stream_live(prepared, api_key)
        else:
            answer = _stream_plain(prepared, api_key)
        if answer.stop_reason == "max_tokens":
            console.warn(f"the answer was cut at --max-tokens {opts.max_tokens}")
        with open_store(db) as store:
            ses.record(store, prepared, answer.text, answer.model)
