"""Read the environment variables jaya_pulumi sets on every function it deploys.

``JAYA_DESTINATIONS`` and ``JAYA_SOURCES`` are JSON lists written by the deployment layer; see
:func:`destinations`, :func:`streams` and :func:`sources`. A ``JAYA_DESTINATIONS`` entry is one of

- ``{"type": "s3", "bucket": ..., "prefix": ...}``: an :class:`S3Destination`;
- ``{"type": "firehose", "name": ..., "stream": ...}``: see :func:`streams`;
- ``{"type": "sqs", "name": ..., "url": ..., "arn": ...}``: a :class:`QueueDestination` (``url`` or
  ``arn`` may be left out, the other is derived from it; ``name`` defaults to the queue's name);
- ``{"type": "sns", "name": ..., "arn": ...}``: a :class:`TopicDestination`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

from .errors import RuntimeConfigurationError

__all__ = [
    "DESTINATIONS_VARIABLE",
    "SOURCES_VARIABLE",
    "Destination",
    "QueueDestination",
    "S3Destination",
    "S3Source",
    "TopicDestination",
    "destinations",
    "sources",
    "streams",
]

DESTINATIONS_VARIABLE = "JAYA_DESTINATIONS"
"""Environment variable listing the function's downstream S3 buckets and Firehoses, in order."""

SOURCES_VARIABLE = "JAYA_SOURCES"
"""Environment variable listing the buckets and prefixes whose events trigger the function."""

_FIX = (
    "It is written by jaya_pulumi when it deploys the function: either this function was not "
    "deployed by jaya_pulumi, or the variable was edited by hand. Redeploy the pipeline "
    "(`pulumi up`) instead of editing the function's environment."
)


@dataclass(frozen=True, slots=True)
class S3Destination:
    """A downstream S3 bucket: its physical name and the key prefix to write under."""

    bucket: str
    prefix: str = ""


@dataclass(frozen=True, slots=True)
class QueueDestination:
    """A downstream SQS queue the function sends messages to (see :func:`~jaya_pulumi.runtime.send`)."""

    name: str
    """The pipeline's name for the queue (the ``SQS(name)`` node)."""
    url: str
    """The queue's URL, as ``SendMessage`` takes it."""
    arn: str
    """The queue's ARN."""


@dataclass(frozen=True, slots=True)
class TopicDestination:
    """A downstream SNS topic the function publishes to (see :func:`~jaya_pulumi.runtime.send`)."""

    name: str
    """The pipeline's name for the topic (the ``SNS(name)`` node)."""
    arn: str
    """The topic's ARN, as ``Publish`` takes it."""


Destination = S3Destination | QueueDestination | TopicDestination
"""What :func:`destinations` returns: a bucket, a queue or a topic."""


@dataclass(frozen=True, slots=True)
class S3Source:
    """An upstream S3 bucket whose events (under ``prefix``) trigger the function."""

    bucket: str
    prefix: str = ""


def destinations(environ: Mapping[str, str] | None = None) -> list[Destination]:
    """Return the function's downstream buckets, queues and topics, in the order of the edges.

    Each is typed: an :class:`S3Destination`, a :class:`QueueDestination` or a
    :class:`TopicDestination` (Firehoses are in :func:`streams`). A function whose edges lead
    only to buckets gets only ``S3Destination``\\ s.

    :param environ: where to read ``JAYA_DESTINATIONS``; defaults to ``os.environ``.
    :raises RuntimeConfigurationError: the variable is missing or malformed.
    """
    return _parse_destinations(environ)[0]


def streams(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Return the function's downstream Firehoses: logical ``firehose_name`` -> physical stream.

    :param environ: where to read ``JAYA_DESTINATIONS``; defaults to ``os.environ``.
    :raises RuntimeConfigurationError: the variable is missing or malformed.
    """
    return _parse_destinations(environ)[1]


def sources(environ: Mapping[str, str] | None = None) -> list[S3Source]:
    """Return the buckets and key prefixes whose events trigger the function.

    :param environ: where to read ``JAYA_SOURCES``; defaults to ``os.environ``.
    :raises RuntimeConfigurationError: the variable is missing or malformed.
    """
    return [
        S3Source(
            bucket=_string(SOURCES_VARIABLE, index, entry, "bucket"),
            prefix=_string(SOURCES_VARIABLE, index, entry, "prefix", default=""),
        )
        for index, entry in enumerate(_load(SOURCES_VARIABLE, environ))
    ]


def _parse_destinations(
    environ: Mapping[str, str] | None,
) -> tuple[list[Destination], dict[str, str]]:
    """Validate every ``JAYA_DESTINATIONS`` entry; return the typed ones and the Firehose map."""
    buckets: list[Destination] = []
    firehoses: dict[str, str] = {}
    variable = DESTINATIONS_VARIABLE
    for index, entry in enumerate(_load(variable, environ)):
        kind = entry.get("type")
        if kind == "s3":
            buckets.append(
                S3Destination(
                    bucket=_string(variable, index, entry, "bucket"),
                    prefix=_string(variable, index, entry, "prefix", default=""),
                )
            )
        elif kind == "firehose":
            name = _string(variable, index, entry, "name")
            stream = _string(variable, index, entry, "stream")
            if firehoses.get(name, stream) != stream:
                _invalid(
                    variable,
                    f"Firehose {name!r} maps to two streams, {firehoses[name]!r} and {stream!r}",
                )
            firehoses[name] = stream
        elif kind == "sqs":
            buckets.append(_queue(index, entry))
        elif kind == "sns":
            arn = _string(variable, index, entry, "arn")
            name = _string(variable, index, entry, "name", default="") or arn.rsplit(":", 1)[-1]
            buckets.append(TopicDestination(name=name, arn=arn))
        else:
            _invalid(
                variable,
                f"entry {index} has type {kind!r}; expected 's3', 'firehose', 'sqs' or 'sns'",
            )
    return buckets, firehoses


def _queue(index: int, entry: Mapping[str, Any]) -> QueueDestination:
    """A ``{"type": "sqs"}`` entry as a QueueDestination; a missing URL or ARN is derived."""
    variable = DESTINATIONS_VARIABLE
    url = _string(variable, index, entry, "url", default="")
    arn = _string(variable, index, entry, "arn", default="")
    if arn:
        parts = arn.split(":")
        if len(parts) != 6 or parts[:3] != ["arn", parts[1], "sqs"] or not parts[5]:
            _invalid(variable, f"entry {index} has {arn!r}, not an SQS queue ARN")
        if not url:
            partition, region, account, name = parts[1], parts[3], parts[4], parts[5]
            suffix = "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com"
            url = f"https://sqs.{region}.{suffix}/{account}/{name}"
    elif url:
        host, _, path = url.removeprefix("https://").partition("/")
        account, _, name = path.partition("/")
        region = host.split(".")[1] if host.count(".") >= 2 else ""
        if not (account and name and region):
            _invalid(variable, f"entry {index} has {url!r}, not an SQS queue URL")
        arn = f"arn:aws:sqs:{region}:{account}:{name}"
    else:
        _invalid(variable, f"entry {index} needs the queue's 'url' or 'arn', got {entry!r}")
    name = _string(variable, index, entry, "name", default="") or arn.rsplit(":", 1)[-1]
    return QueueDestination(name=name, url=url, arn=arn)


def _load(variable: str, environ: Mapping[str, str] | None) -> list[dict[str, Any]]:
    """Parse ``variable`` as a JSON list of objects, or raise a RuntimeConfigurationError."""
    env = os.environ if environ is None else environ
    raw = env.get(variable)
    if raw is None:
        raise RuntimeConfigurationError(f"{variable} is not set. {_FIX}")
    try:
        value = json.loads(raw)
    except ValueError as exc:
        _invalid(variable, f"it is not valid JSON ({exc}): {_shorten(raw)}")
    if not isinstance(value, list):
        _invalid(variable, f"expected a JSON list, got {_shorten(raw)}")
    for index, entry in enumerate(value):
        if not isinstance(entry, dict):
            _invalid(variable, f"entry {index} is not a JSON object: {_shorten(json.dumps(entry))}")
    return value


def _string(
    variable: str, index: int, entry: Mapping[str, Any], field: str, default: str | None = None
) -> str:
    """Return ``entry[field]`` as a string (or ``default`` when absent), or raise."""
    value = entry.get(field, default)
    if not isinstance(value, str) or (default is None and not value):
        _invalid(variable, f"entry {index} needs a non-empty string {field!r}, got {entry!r}")
    return value


def _invalid(variable: str, problem: str) -> NoReturn:
    """Raise the RuntimeConfigurationError for a malformed ``variable``."""
    raise RuntimeConfigurationError(f"{variable} is malformed: {problem}. {_FIX}")


def _shorten(text: str, limit: int = 200) -> str:
    """Return ``text`` quoted and cut to ``limit`` characters for an error message."""
    return repr(text if len(text) <= limit else text[:limit] + "...")
