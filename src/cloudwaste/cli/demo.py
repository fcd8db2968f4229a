"""``cloudwaste demo``: scan a simulated AWS estate (moto, in process, on 127.0.0.1): no cloud is touched."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from cloudwaste.cli import console
from cloudwaste.cli.options import (
    Export,
    FailOnCount,
    FailOnSeverity,
    FailOver,
    Format,
    Output,
    Quiet,
    SoftFail,
    Width,
)

EPILOG = """\
Examples:

\b
  cloudwaste demo                          # table of the demo estate's waste
  cloudwaste demo -f json | jq .summary    # the JSON contract
  cloudwaste demo --db demo.db && cloudwaste report --db demo.db -f csv
"""


def _demo_env(url: str) -> None:
    """Point boto3 at the local emulator with throwaway credentials (this process only)."""
    for key in (
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_ROLE_ARN",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    ):
        os.environ.pop(key, None)
    os.environ.update(
        {
            "AWS_ENDPOINT_URL": url,
            "AWS_ACCESS_KEY_ID": "demo",
            "AWS_SECRET_ACCESS_KEY": "demo",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "MOTO_EC2_LOAD_DEFAULT_AMIS": "false",
        }
    )


def demo(
    db: Annotated[
        Path | None,
        typer.Option("--db", help="Keep the demo scan in this store (default: a temp file).", dir_okay=False),
    ] = None,
    fmt: Format = "table",
    output: Output = None,
    export: Export = None,
    fail_over: FailOver = None,
    fail_on_count: FailOnCount = None,
    fail_on_severity: FailOnSeverity = None,
    soft_fail: SoftFail = False,
    quiet: Quiet = False,
    width: Width = None,
) -> None:
    """Run the real scan engine against a simulated AWS estate in 3 regions (offline)."""
    with console.handled():
        from cloudwaste.errors import MissingExtraError

        try:
            import moto  # noqa: F401
        except ImportError:
            raise MissingExtraError("demo", "moto") from None
        from cloudwaste.cli.scan import execute_scan
        from cloudwaste.demo.estate import DEMO_NOW, DEMO_REGIONS, build_estate, start_server
        from cloudwaste.providers.aws.options import AwsOptions
        from cloudwaste.providers.aws.provider import AwsProvider

        if not quiet:
            console.say(
                "DEMO: scanning a simulated AWS estate (moto on 127.0.0.1); no real cloud account is used."
            )
        os.environ["MOTO_EC2_LOAD_DEFAULT_AMIS"] = "false"
        server, url = start_server()
        tmp = None if db else tempfile.TemporaryDirectory(prefix="cloudwaste-demo-")
        try:
            _demo_env(url)
            counts = build_estate(url)
            if not quiet:
                built = ", ".join(f"{n} {what}" for what, n in counts.items())
                console.say(f"DEMO estate in {', '.join(DEMO_REGIONS)}: {built}")
            store_path = db or Path(tmp.name if tmp else ".") / "demo.db"
            provider = AwsProvider(AwsOptions(regions=list(DEMO_REGIONS), max_attempts=2))
            execute_scan(
                [provider],
                provider_names=["aws"],
                include=[],
                exclude=[],
                concurrency=None,
                now=DEMO_NOW.isoformat(),
                db=store_path,
                no_store=False,
                strict=False,
                fmt=fmt,
                output=output,
                export=export,
                fail_over=fail_over,
                fail_on_count=fail_on_count,
                fail_on_severity=fail_on_severity,
                soft_fail=soft_fail,
                min_cost=None,
                quiet=quiet,
                width=width,
                args={"provider": "aws", "demo": True, "regions": list(DEMO_REGIONS)},
            )
        finally:
            server.stop()
            if tmp:
                tmp.cleanup()
