"""The body of ``CopyS3Lambda``: copy every created object to each downstream S3 bucket.

The destination key is the destination's prefix followed by the source key with its source prefix
(the trigger filter prefix from ``JAYA_SOURCES``) removed. Copies use boto3's managed copy, so
objects over 5 GB are copied in parts (``UploadPartCopy``). Events other than
``ObjectCreated:*`` are skipped; an object whose destination would be itself is skipped with a
warning. Behind SQS each message is copied on its own and the ones that fail are reported as
partial batch failures (``batchItemFailures``), so SQS retries only them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ._batch import each_message, is_sqs_batch
from ._clients import client
from ._config import S3Destination, S3Source, destinations, sources
from ._events import S3Object, s3_objects
from ._logging import handler_logger
from .errors import RuntimeConfigurationError, s3_access_denied

if TYPE_CHECKING:
    from boto3.s3.transfer import TransferConfig
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import CopySourceTypeDef

__all__ = ["destination_key", "handler"]


def handler(
    event: Mapping[str, Any],
    context: Any,
    *,
    s3_client: S3Client | None = None,
    transfer_config: TransferConfig | None = None,
    environ: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Copy each object created in the event to every S3 destination; return what went where.

    :param event: the S3 event notification.
    :param context: the Lambda context (unused).
    :param s3_client: the S3 client to use; defaults to the container's reused ``boto3`` S3 client.
    :param transfer_config: boto3 ``TransferConfig`` for the managed copy (multipart threshold...).
    :param environ: where to read ``JAYA_*`` variables; defaults to ``os.environ``.
    :return: ``{"copied": [{"source": "s3://...", "destination": "s3://...", "size": n}],
        "skipped": [{"source": "s3://...", "reason": "..."}]}``; behind SQS, the partial batch
        response of :func:`~jaya_pulumi.runtime.each_message`, one such result per message.
    """
    if is_sqs_batch(event):
        return each_message(
            event,
            lambda one: _copy(
                one, s3_client=s3_client, transfer_config=transfer_config, environ=environ
            ),
        )
    return _copy(event, s3_client=s3_client, transfer_config=transfer_config, environ=environ)


def _copy(
    event: Mapping[str, Any],
    *,
    s3_client: S3Client | None,
    transfer_config: TransferConfig | None,
    environ: Mapping[str, str] | None,
) -> dict[str, Any]:
    """The copy of one event's objects (see :func:`handler`)."""
    logger = handler_logger(__name__)
    objects = s3_objects(event)
    targets = [d for d in destinations(environ) if isinstance(d, S3Destination)]
    if not targets:
        raise RuntimeConfigurationError(
            "JAYA_DESTINATIONS names no S3 bucket, so there is nowhere to copy to: connect the "
            "function to a bucket in the pipeline (`... >> CopyS3Lambda(...) >> S3(name)`) and "
            "redeploy."
        )
    triggers = sources(environ)
    if s3_client is None:
        s3_client = client("s3")
    copied: list[dict[str, Any]] = []
    skipped: list[dict[str, str]] = []
    for obj in objects:
        source_url = f"s3://{obj.bucket}/{obj.key}"
        if not obj.created:
            logger.info("skipped %s: event %s is not ObjectCreated", source_url, obj.event_name)
            skipped.append({"source": source_url, "reason": f"event {obj.event_name}"})
            continue
        copy_source: CopySourceTypeDef = {"Bucket": obj.bucket, "Key": obj.key}
        if obj.version_id is not None:
            copy_source["VersionId"] = obj.version_id
        for target in targets:
            key = destination_key(obj, target.prefix, triggers)
            target_url = f"s3://{target.bucket}/{key}"
            if not key or (target.bucket, key) == (obj.bucket, obj.key):
                reason = "empty destination key" if not key else "destination is the source"
                logger.warning("skipped %s -> %s: %s", source_url, target_url, reason)
                skipped.append({"source": source_url, "reason": reason})
                continue
            try:
                s3_client.copy(copy_source, target.bucket, key, Config=transfer_config)
            except Exception as exc:
                denied = s3_access_denied(
                    exc,
                    f"copying {_described(obj)} to {target_url}",
                    [
                        (_read_action(obj), f"arn:aws:s3:::{obj.bucket}/{obj.key}"),
                        ("s3:PutObject", f"arn:aws:s3:::{target.bucket}/{key}"),
                    ],
                )
                if denied is None:
                    raise
                raise denied from exc
            logger.info("copied %s to %s (%d bytes)", source_url, target_url, obj.size)
            copied.append({"source": source_url, "destination": target_url, "size": obj.size})
    return {"copied": copied, "skipped": skipped}


def destination_key(obj: S3Object, prefix: str, triggers: list[S3Source]) -> str:
    """Return ``prefix`` + the object's key without the longest matching source prefix."""
    matched = ""
    for trigger in triggers:
        if (
            trigger.bucket == obj.bucket
            and obj.key.startswith(trigger.prefix)
            and len(trigger.prefix) > len(matched)
        ):
            matched = trigger.prefix
    return prefix + obj.key[len(matched) :]


def _read_action(obj: S3Object) -> str:
    """The action reading the object takes: a pinned version needs ``s3:GetObjectVersion``."""
    return "s3:GetObject" if obj.version_id is None else "s3:GetObjectVersion"


def _described(obj: S3Object) -> str:
    where = f"s3://{obj.bucket}/{obj.key}"
    return where if obj.version_id is None else f"{where} (version {obj.version_id})"
