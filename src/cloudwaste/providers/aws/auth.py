"""AWS credentials: which source to use, the botocore config, and the one identity check per account.

Order: a named account saved with ``cloudwaste auth add aws NAME`` (its settings name a profile, or an
access key id whose secret key is in the OS keyring), else ``--profile``, else boto3's standard chain
(environment, SSO, shared files, container and instance roles). Every failure becomes a
:class:`~cloudwaste.errors.CredentialsError` (exit 5) whose hint says how to fix it. Secrets never
appear in messages or in the banner.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cloudwaste import __version__, secrets
from cloudwaste.errors import CredentialsError, ProviderError, UsageError
from cloudwaste.providers.aws.options import AwsOptions

if TYPE_CHECKING:
    import boto3
    from botocore.config import Config

DEFAULT_REGION = "us-east-1"
NO_CREDENTIALS_HINT = (
    "set AWS_PROFILE (or pass --profile), run `aws configure` or `aws sso login`, "
    "or save credentials with `cloudwaste auth add aws NAME`"
)
# STS error codes that mean "these credentials are not accepted".
_REJECTED = {
    "InvalidClientTokenId",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "ExpiredTokenException",
    "RequestExpired",
    "UnrecognizedClientException",
    "AuthFailure",
    "AccessDenied",
    "InvalidAccessKeyId",
}

OnCall = Callable[[str, str], None]


@dataclass
class Identity:
    """Who we are in one account: the session to use and what the banner says."""

    session: boto3.session.Session
    config: Config
    source: str  # "profile 'prod'", "account 'prod', access key from the OS keyring", ...
    profile: str | None  # the profile in use, for hints
    region: str  # the account's default region (STS, DescribeRegions, IAM)
    account_id: str = ""
    arn: str = ""


_loader_lock = threading.Lock()
_loader: Any = None


def new_session(credentials: Any = None, **kwargs: Any) -> boto3.session.Session:
    """A boto3 session whose botocore data loader (parsed service models) is shared process-wide.

    Each session otherwise re-reads and parses the EC2 model (~0.1 s) when it creates its first client.
    ``credentials`` (botocore credentials, e.g. refreshable assumed-role ones) replace the
    standard chain: the session resolves exactly those.
    """
    import boto3
    import botocore.loaders
    import botocore.session

    global _loader
    with _loader_lock:
        if _loader is None:
            _loader = botocore.loaders.create_loader()
        core = botocore.session.Session()
        core.register_component("data_loader", _loader)
        if credentials is not None:
            from botocore.credentials import CredentialResolver

            core.register_component("credential_provider", CredentialResolver([_given(credentials)]))
        session = boto3.session.Session(botocore_session=core, **kwargs)
        # boto3 appends its resource-model path to the loader on every session: keep one copy
        _loader.search_paths[:] = list(dict.fromkeys(_loader.search_paths))
    return session


def _given(credentials: Any) -> Any:
    """A botocore credential provider that hands out ``credentials`` (built elsewhere)."""
    from botocore.credentials import CredentialProvider

    class Given(CredentialProvider):
        METHOD = "assume-role"
        CANONICAL_NAME = "cloudwaste-given"

        def load(self) -> Any:
            return credentials

    return Given()


def botocore_config(options: AwsOptions) -> Config:
    """Adaptive retries, short connect timeout, our user agent."""
    from botocore.config import Config

    return Config(
        retries={"mode": "adaptive", "total_max_attempts": max(1, options.max_attempts)},
        connect_timeout=options.connect_timeout,
        read_timeout=options.read_timeout,
        user_agent_extra=f"cloudwaste/{__version__}",
    )


def instrument(client: Any, service: str, on_call: OnCall) -> Any:
    """Call ``on_call(service, operation)`` before every API call the client makes (not per retry)."""

    def before_call(model: Any = None, **_: Any) -> None:
        on_call(service, str(getattr(model, "name", "?")))

    client.meta.events.register("before-call", before_call)
    return client


def _profile_hint(profile: str) -> str:
    return f"check it with `aws configure list --profile {profile}` (SSO: aws sso login --profile {profile})"


def _account_session(options: AwsOptions) -> tuple[boto3.session.Session, str, str | None]:
    from botocore.exceptions import ProfileNotFound

    name = str(options.account)
    settings = options.account_settings
    if settings is None:
        raise UsageError(
            f"no AWS account named {name!r} is saved",
            hint="see `cloudwaste auth list`; add one with `cloudwaste auth add aws NAME`",
        )
    region = settings.get("region") or None
    profile = settings.get("profile")
    if profile:
        try:
            return (
                new_session(profile_name=profile, region_name=region),
                f"account '{name}', profile '{profile}'",
                str(profile),
            )
        except ProfileNotFound:
            raise CredentialsError(
                f"AWS profile {profile!r} of saved account {name!r} is not in the AWS config",
                hint=f"create it (aws configure --profile {profile}) or re-add the account",
            ) from None
    key_id = settings.get("access_key_id")
    if not key_id:
        raise UsageError(
            f"saved AWS account {name!r} has neither a profile nor an access key id",
            hint=f"add it again: cloudwaste auth remove aws {name}; cloudwaste auth add aws {name}",
        )
    secret = secrets.get_secret(f"aws:{name}")
    if not secret:
        raise CredentialsError(
            f"no secret access key is stored for AWS account {name!r}",
            hint=f"add it again (cloudwaste auth add aws {name}) or set {secrets.env_name('aws:' + name)}",
        )
    session = new_session(aws_access_key_id=str(key_id), aws_secret_access_key=secret, region_name=region)
    return session, f"account '{name}', access key from the OS keyring", None


def _chain_source(method: str | None) -> str:
    """Where boto3's default chain found the credentials, in words."""
    profile = os.environ.get("AWS_PROFILE") or os.environ.get("AWS_DEFAULT_PROFILE")
    labels = {
        "env": "environment credentials",
        "sso": "SSO",
        "shared-credentials-file": "shared credentials file",
        "config-file": "AWS config file",
        "assume-role": "assumed role",
        "assume-role-with-web-identity": "web identity token",
        "container-role": "container role",
        "iam-role": "instance profile",
        "custom-process": "credential process",
    }
    how = labels.get(method or "", method or "default credential chain")
    if profile and method != "env":
        return f"profile '{profile}' from AWS_PROFILE, {how}"
    return how


def resolve(options: AwsOptions) -> Identity:
    """Build the session for the configured source; raise CredentialsError if it yields no credentials."""
    from botocore.exceptions import BotoCoreError, ProfileNotFound

    config = botocore_config(options)
    profile: str | None = None
    try:
        if options.account:
            session, source, profile = _account_session(options)
        elif options.profile:
            profile = options.profile
            session = new_session(profile_name=profile)
            source = f"profile '{profile}'"
        else:
            session = new_session()
            profile = session.profile_name if session.profile_name != "default" else None
            source = ""
        credentials = session.get_credentials()
    except ProfileNotFound as exc:
        missing = profile or str(getattr(exc, "kwargs", {}).get("profile", "?"))
        raise CredentialsError(
            f"AWS profile {missing!r} is not in the AWS config",
            hint=f"create it with `aws configure --profile {missing}` or `aws configure sso`; "
            "list profiles with `aws configure list-profiles`",
        ) from None
    except BotoCoreError as exc:
        raise _credentials_error(exc, profile) from None
    if credentials is None:
        where = f"profile {profile!r}" if profile else "the environment, the AWS config files or a role"
        raise CredentialsError(f"no AWS credentials found in {where}", hint=NO_CREDENTIALS_HINT)
    if not source:
        source = _chain_source(getattr(credentials, "method", None))
    region = session.region_name or DEFAULT_REGION
    return Identity(session=session, config=config, source=source, profile=profile, region=region)


def _credentials_error(exc: Exception, profile: str | None) -> CredentialsError:
    """Map a botocore credential failure to a CredentialsError with a fix."""
    from botocore.exceptions import (
        CredentialRetrievalError,
        NoCredentialsError,
        PartialCredentialsError,
        SSOError,
        TokenRetrievalError,
    )

    detail = " ".join(str(exc).split())
    if isinstance(exc, SSOError | TokenRetrievalError):
        login = f"aws sso login --profile {profile}" if profile else "aws sso login"
        return CredentialsError(
            f"the AWS SSO session has expired or is invalid ({detail})", hint=f"run: {login}"
        )
    if isinstance(exc, NoCredentialsError):
        return CredentialsError("no AWS credentials found", hint=NO_CREDENTIALS_HINT)
    if isinstance(exc, PartialCredentialsError | CredentialRetrievalError):
        hint = _profile_hint(profile) if profile else NO_CREDENTIALS_HINT
        return CredentialsError(f"AWS credentials could not be loaded: {detail}", hint=hint)
    return CredentialsError(f"AWS credentials could not be loaded: {detail}", hint=NO_CREDENTIALS_HINT)


def _preflight(config: Config) -> Config:
    """Identity calls answer in milliseconds: a short read timeout and 3 attempts, so a black-holed
    STS endpoint fails the scan in about half a minute instead of stalling it before any output."""
    from botocore.config import Config

    retries: dict[str, Any] = getattr(config, "retries", None) or {}
    attempts = min(3, int(retries.get("total_max_attempts", 3)))
    read = min(10.0, float(getattr(config, "read_timeout", None) or 10))
    return config.merge(
        Config(read_timeout=read, retries={"mode": "adaptive", "total_max_attempts": attempts})
    )


def verify(identity: Identity, on_call: OnCall) -> None:
    """``sts:GetCallerIdentity`` once: fills ``account_id`` and ``arn`` or raises CredentialsError."""
    from botocore.exceptions import BotoCoreError, ClientError, ConnectionError, HTTPClientError

    sts = instrument(
        identity.session.client("sts", region_name=identity.region, config=_preflight(identity.config)),
        "sts",
        on_call,
    )
    try:
        who = sts.get_caller_identity()
    except ClientError as exc:
        err = exc.response.get("Error", {})
        code = str(err.get("Code", ""))
        message = str(err.get("Message", ""))
        if code in _REJECTED or exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") in (401, 403):
            if "Expired" in code:
                hint = (
                    f"refresh the session: aws sso login --profile {identity.profile}"
                    if identity.profile
                    else "refresh the temporary credentials (they have expired)"
                )
            else:
                hint = NO_CREDENTIALS_HINT
            raise CredentialsError(
                f"AWS rejected the credentials from {identity.source}: {code}: {message}".rstrip(": "),
                hint=hint,
            ) from None
        raise ProviderError(f"sts:GetCallerIdentity failed: {code}: {message}") from None
    except (ConnectionError, HTTPClientError) as exc:
        raise ProviderError(
            f"cannot reach AWS STS: {' '.join(str(exc).split())}",
            hint="check the network or proxy settings (HTTPS_PROXY), or AWS_ENDPOINT_URL if you set it",
        ) from None
    except BotoCoreError as exc:
        raise _credentials_error(exc, identity.profile) from None
    identity.account_id = str(who["Account"])
    identity.arn = str(who["Arn"])


def account_alias(identity: Identity, on_call: OnCall) -> str | None:
    """The account alias (iam:ListAccountAliases), or None when there is none or it is not allowed."""
    from botocore.exceptions import BotoCoreError, ClientError

    iam = instrument(
        identity.session.client("iam", region_name=identity.region, config=_preflight(identity.config)),
        "iam",
        on_call,
    )
    try:
        aliases = iam.list_account_aliases().get("AccountAliases") or []
    except (ClientError, BotoCoreError):
        return None
    return str(aliases[0]) if aliases else None
