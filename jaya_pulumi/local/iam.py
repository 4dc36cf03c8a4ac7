"""Evaluate a Lambda role's identity policy on the S3 calls its handler makes, as IAM would.

Supported: ``Allow`` and ``Deny`` statements with ``Action`` and ``Resource`` (strings or lists,
``*`` and ``?`` wildcards, actions case-insensitive); an explicit Deny wins, anything not allowed is
denied; a call naming a ``VersionId`` checks the version's action (``s3:GetObjectVersion``,
``s3:DeleteObjectVersion``, ...). Not supported (a statement using them is ignored, with a
warning): ``NotAction``, ``NotResource``, ``Condition``. Resource policies (bucket policies), permission boundaries and SCPs
are not evaluated.
"""

from __future__ import annotations

import json
import re
import uuid
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from botocore.awsrequest import AWSResponse, HTTPHeaders

__all__ = ["CompiledPolicy", "access_denied", "s3_request"]

# Operations whose IAM action is not ``s3:<OperationName>``. Object operations need the key.
_S3_ACTIONS: dict[str, str] = {
    "HeadObject": "s3:GetObject",
    "CopyObject": "s3:PutObject",
    "CreateMultipartUpload": "s3:PutObject",
    "UploadPart": "s3:PutObject",
    "UploadPartCopy": "s3:PutObject",
    "CompleteMultipartUpload": "s3:PutObject",
    "AbortMultipartUpload": "s3:AbortMultipartUpload",
    "ListParts": "s3:ListMultipartUploadParts",
    "DeleteObjects": "s3:DeleteObject",
    "ListObjects": "s3:ListBucket",
    "ListObjectsV2": "s3:ListBucket",
    "HeadBucket": "s3:ListBucket",
    "ListObjectVersions": "s3:ListBucketVersions",
    "ListMultipartUploads": "s3:ListBucketMultipartUploads",
    "ListBuckets": "s3:ListAllMyBuckets",
    "GetObjectAttributes": "s3:GetObjectAttributes",  # and s3:GetObject, see s3_request
    "SelectObjectContent": "s3:GetObject",
}
# With a ``VersionId`` an object operation acts on that version; IAM checks the version's action.
_VERSION_ACTIONS: dict[str, str] = {
    "s3:GetObject": "s3:GetObjectVersion",
    "s3:DeleteObject": "s3:DeleteObjectVersion",
    "s3:GetObjectAcl": "s3:GetObjectVersionAcl",
    "s3:PutObjectAcl": "s3:PutObjectVersionAcl",
    "s3:GetObjectTagging": "s3:GetObjectVersionTagging",
    "s3:PutObjectTagging": "s3:PutObjectVersionTagging",
    "s3:DeleteObjectTagging": "s3:DeleteObjectVersionTagging",
    "s3:GetObjectAttributes": "s3:GetObjectVersionAttributes",
}


def _pattern(patterns: Iterable[str], *, ignore_case: bool) -> re.Pattern[str]:
    parts = [re.escape(p).replace(r"\*", ".*").replace(r"\?", ".") for p in patterns]
    # DOTALL: IAM's wildcards match any character, a newline in an object key included
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.compile("(?:" + "|".join(parts) + r")\Z", flags)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(v) for v in value]
    return []


@dataclass(frozen=True)
class _Statement:
    allow: bool
    actions: re.Pattern[str]
    resources: re.Pattern[str]


class CompiledPolicy:
    """The Allow and Deny statements of a role's inline policies, compiled to regular expressions."""

    def __init__(self, documents: Iterable[Mapping[str, Any]] = ()) -> None:
        self._statements: list[_Statement] = []
        for document in documents:
            self.add(document)

    def add(self, document: Mapping[str, Any]) -> None:
        """Add one policy document's statements."""
        raw = document.get("Statement", [])
        for statement in [raw] if isinstance(raw, Mapping) else list(raw):
            unsupported = {"NotAction", "NotResource", "Condition"} & set(statement)
            if unsupported:
                warnings.warn(
                    f"The local harness ignores an IAM statement using {sorted(unsupported)}: "
                    f"{json.dumps(statement)[:200]}",
                    stacklevel=2,
                )
                continue
            actions = _strings(statement.get("Action"))
            resources = _strings(statement.get("Resource"))
            if not actions or not resources:
                continue
            self._statements.append(
                _Statement(
                    statement.get("Effect") == "Allow",
                    _pattern(actions, ignore_case=True),
                    _pattern(resources, ignore_case=False),
                )
            )

    def allows(self, action: str, resource: str) -> bool:
        """True when some statement allows ``action`` on ``resource`` and none denies it."""
        allowed = False
        for s in self._statements:
            if s.actions.match(action) and s.resources.match(resource):
                if not s.allow:
                    return False
                allowed = True
        return allowed


def _copy_source(value: Any) -> tuple[str, str, str | None] | None:
    if isinstance(value, Mapping):
        version = value.get("VersionId")
        return str(value.get("Bucket", "")), str(value.get("Key", "")), version and str(version)
    if isinstance(value, str):
        path, _, version = value.partition("?versionId=")
        bucket, _, key = unquote(path).lstrip("/").partition("/")
        return bucket, key, unquote(version) or None
    return None


def _on_version(action: str, version_id: Any) -> str:
    """The action IAM checks when a call names a ``VersionId``."""
    return _VERSION_ACTIONS.get(action, action) if version_id else action


def s3_request(operation: str, params: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The ``(action, resource ARN)`` pairs IAM checks for one S3 API call."""
    bucket = str(params.get("Bucket", ""))
    action = _S3_ACTIONS.get(operation, f"s3:{operation}")
    checks: list[tuple[str, str]] = []
    if operation == "DeleteObjects":
        objects = (params.get("Delete") or {}).get("Objects", [])
        checks = [
            (_on_version(action, o.get("VersionId")), f"arn:aws:s3:::{bucket}/{o.get('Key', '')}")
            for o in objects
        ]
    elif "Key" in params:
        checks.append(
            (_on_version(action, params.get("VersionId")), f"arn:aws:s3:::{bucket}/{params['Key']}")
        )
    else:  # a bucket, or for ListBuckets every bucket
        checks.append((action, f"arn:aws:s3:::{bucket or '*'}"))
    if operation == "GetObjectAttributes":  # needs read access to the object as well
        checks += [(_on_version("s3:GetObject", params.get("VersionId")), r) for _, r in checks]
    if operation in ("CopyObject", "UploadPartCopy"):
        source = _copy_source(params.get("CopySource"))
        if source is not None:
            bucket, key, version = source
            checks.insert(0, (_on_version("s3:GetObject", version), f"arn:aws:s3:::{bucket}/{key}"))
    return checks


def access_denied(
    service: str, operation: str, account: str, principal: str, action: str, resource: str
) -> tuple[AWSResponse, dict[str, Any]]:
    """The AccessDenied answer ``service`` gives a role whose policy does not allow ``action``.

    The one builder for every service: a botocore ``before-call`` handler returns it as the call's
    response. S3 answers 403 (a HEAD request's error has no body, hence code ``403``); JSON
    services such as Firehose answer 400 ``AccessDeniedException``.

    :param principal: ``role/session`` of the caller (the role name and the function name).
    """
    quoted = f'"{resource}"' if service == "s3" else resource
    message = (
        f"User: arn:aws:sts::{account}:assumed-role/{principal} is not authorized to perform: "
        f"{action} on resource: {quoted} because no identity-based policy allows the {action} "
        "action"
    )
    if service == "s3":
        status, header, request_id = 403, "x-amz-request-id", uuid.uuid4().hex[:16].upper()
        if operation.startswith("Head"):
            error = {"Code": "403", "Message": "Forbidden"}
        else:
            error = {"Code": "AccessDenied", "Message": message}
    else:
        status, header, request_id = 400, "x-amzn-requestid", str(uuid.uuid4())
        error = {"Code": "AccessDeniedException", "Message": message}
    return answer(service, status, {"Error": error}, header, request_id)


def answer(
    service: str,
    status: int,
    parsed: dict[str, Any],
    header: str = "x-amzn-requestid",
    request_id: str | None = None,
) -> tuple[AWSResponse, dict[str, Any]]:
    """An HTTP response and parsed body botocore accepts from a ``before-call`` handler."""
    request_id = request_id or str(uuid.uuid4())
    headers = HTTPHeaders()
    headers[header] = request_id
    http = AWSResponse(f"https://{service}.amazonaws.com/", status, headers, None)
    parsed["ResponseMetadata"] = {
        "HTTPStatusCode": status,
        "RequestId": request_id,
        "HTTPHeaders": {header: request_id},
        "RetryAttempts": 0,
    }
    return http, parsed
