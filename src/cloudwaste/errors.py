"""The exception hierarchy and its exit codes.

::

    CloudwasteError (1)                 runtime error
    ├── UsageError (2)                  bad flag value, malformed config or ignore file, unknown check id
    │   └── MissingExtraError (2)       a command needs an optional extra that is not installed
    ├── StoreError (1)                  database corrupt, locked, or not writable
    ├── KeyringUnavailableError (1)     no usable OS keyring backend
    ├── CredentialsError (5)            no usable credentials for any target
    └── ProviderError (1)               a cloud call failed in a way that stops the whole scan

Exit codes not tied to an exception: 0 ok, 3 gate breached, 4 incomplete scan with ``--strict``,
130 interrupted.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_GATE = 3
EXIT_INCOMPLETE = 4
EXIT_NO_CREDENTIALS = 5
EXIT_INTERRUPTED = 130


class CloudwasteError(Exception):
    """Base of every error cloudwaste reports as one line (no traceback)."""

    exit_code: int = EXIT_ERROR

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(CloudwasteError):
    """The user asked for something invalid (exit 2)."""

    exit_code = EXIT_USAGE


class MissingExtraError(UsageError):
    """An optional dependency group is not installed (exit 2)."""

    def __init__(self, extra: str, module: str) -> None:
        super().__init__(
            f"this command needs the '{extra}' extra ({module} is not installed)",
            hint=f"pip install 'cloudwaste[{extra}]'",
        )


class StoreError(CloudwasteError):
    """The SQLite store cannot be used (exit 1); nothing stored is changed."""


class KeyringUnavailableError(CloudwasteError):
    """No usable OS keyring backend (exit 1)."""


class CredentialsError(CloudwasteError):
    """No usable credentials (exit 5)."""

    exit_code = EXIT_NO_CREDENTIALS


class ProviderError(CloudwasteError):
    """A provider-level failure that stops the scan (exit 1)."""


# -- `cloudwaste ask` (the Anthropic API) --------------------------------------------------------
# A bad or missing API key is a CredentialsError (5); an unknown model is a UsageError (2).

EXIT_AI_NETWORK = 6
EXIT_AI_RATE_LIMITED = 7
EXIT_AI_OVERLOADED = 8
EXIT_AI_CONTEXT_TOO_LARGE = 9


class AiError(CloudwasteError):
    """The Anthropic API failed in a way not covered by a subclass (exit 1)."""


class AiNetworkError(AiError):
    """The Anthropic API could not be reached, or did not answer in time (exit 6)."""

    exit_code = EXIT_AI_NETWORK


class AiRateLimitError(AiError):
    """The Anthropic API kept answering 429 rate_limit_error after the retries (exit 7)."""

    exit_code = EXIT_AI_RATE_LIMITED


class AiOverloadedError(AiError):
    """The Anthropic API is overloaded (529 overloaded_error) after the retries (exit 8)."""

    exit_code = EXIT_AI_OVERLOADED


class AiContextTooLargeError(AiError):
    """The prompt is larger than the model's context window (400 "prompt is too long", exit 9)."""

    exit_code = EXIT_AI_CONTEXT_TOO_LARGE
