"""Shared fixtures: a hermetic environment and one moto server for the whole session.

At import the environment is scrubbed of real cloud credentials and endpoints, IMDS and GCE
metadata probes are disabled, the AWS config files point at /dev/null and the keyring is off
(tests of the keyring turn it back on). ``moto_server`` is a ThreadedMotoServer on 127.0.0.1 (port
chosen by the OS); ``aws`` resets it and points boto3 at it with fake credentials.
"""

from __future__ import annotations

import logging
import os
import tempfile
import urllib.request
from collections.abc import Iterator

import pytest

_DROP_PREFIXES = ("AWS_", "AZURE_", "ANTHROPIC_", "CLOUDWASTE_")
_DROP = {"GOOGLE_APPLICATION_CREDENTIALS", "REQUESTS_CA_BUNDLE", "PYTHON_KEYRING_BACKEND"}

for _name in list(os.environ):
    if _name.startswith(_DROP_PREFIXES) or _name in _DROP:
        del os.environ[_name]
os.environ.update(
    {
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        "MOTO_EC2_LOAD_DEFAULT_AMIS": "false",
        "NO_GCE_CHECK": "true",
        # gcloud's configuration (and its application-default credentials) never come from the machine
        "CLOUDSDK_CONFIG": tempfile.mkdtemp(prefix="cloudwaste-gcloud-"),
        "CLOUDWASTE_NO_KEYRING": "1",
        # moto's request recorder (used by the read-only proof) writes here, not into the checkout
        "MOTO_RECORDER_FILEPATH": os.path.join(
            tempfile.gettempdir(), f"cloudwaste-moto-recording-{os.getpid()}"
        ),
    }
)
logging.getLogger("werkzeug").setLevel(logging.ERROR)

FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


def reset_moto(url: str) -> None:
    """Wipe every moto backend (10-20 ms)."""
    urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset", method="POST"), timeout=10).close()


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """The URL of a moto server on 127.0.0.1 shared by the session (EC2 warmed once)."""
    import boto3
    from botocore.config import Config
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    # moto's EC2 backend costs ~1 s on its first call: pay it once here, not in the first test
    boto3.client(
        "ec2",
        region_name="us-east-1",
        endpoint_url=url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 1}),
    ).describe_volumes()
    yield url
    server.stop()


@pytest.fixture
def aws(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A freshly reset moto with boto3 pointed at it (fake credentials, us-east-1); yields the URL."""
    reset_moto(moto_server)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    for key, value in FAKE_CREDENTIALS.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    return moto_server
