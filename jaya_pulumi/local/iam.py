"""IAM on every AWS call a handler makes, any service, deny by default; one AccessDenied builder.

:class:`Authorizer` holds the botocore hooks the sandbox installs: while a handler runs, each call
is mapped to the actions and resources IAM checks (:mod:`~jaya_pulumi.local.iam_actions`) and
evaluated against the role's inline policies; a call not allowed gets the service's AccessDenied
without reaching moto. A GetObject or HeadObject of a missing key is a 403, as in AWS, unless the
role may ``s3:ListBucket`` the bucket. Policies are compiled once per role when written (by
``PutRolePolicy``/``DeleteRolePolicy``, the harness's own included) and each decision is cached.

Supported in a policy: ``Allow`` and ``Deny`` statements with ``Action`` and ``Resource`` (strings
or lists, ``*`` and ``?`` wildcards, actions case-insensitive); an explicit Deny wins, anything not
allowed is denied. Not supported (a statement using them is ignored, with a warning):
``NotAction``, ``NotResource``, ``Condition``. Managed policies (``AttachRolePolicy``), resource
policies (bucket policies), permission boundaries and SCPs are not evaluated.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from botocore.awsrequest import AWSResponse, HTTPHeaders
from botocore.exceptions import ClientError

from jaya_pulumi.local.iam_actions import (
    Names,
    iam_prefix,
    request_checks,
    s3_arn,
    secret_arn,
)

__all__ = [
    "PARAMS",
    "Authorizer",
    "ClientNames",
    "CompiledPolicy",
    "RolePolicies",
    "access_denied",
    "answer",
]

PARAMS = "jaya_params"
"""Key of the call's parameters (as the caller passed them) in botocore's request context."""

_CACHE_LIMIT = 4096


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
        self._decisions: dict[tuple[str, str], bool | None] = {}
        for document in documents:
            self.add(document)

    def add(self, document: Mapping[str, Any]) -> None:
        """Add one policy document's statements."""
        self._decisions.clear()
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

    def decide(self, action: str, resource: str) -> bool | None:
        """``True`` when allowed, ``False`` when explicitly denied, ``None`` when not allowed."""
        key = (action, resource)
        if key in self._decisions:
            return self._decisions[key]
        decision: bool | None = None
        for s in self._statements:
            if s.actions.match(action) and s.resources.match(resource):
                if not s.allow:
                    decision = False
                    break
                decision = True
        if len(self._decisions) >= _CACHE_LIMIT:
            self._decisions.clear()
        self._decisions[key] = decision
        return decision

    def allows(self, action: str, resource: str) -> bool:
        """True when some statement allows ``action`` on ``resource`` and none denies it."""
        return self.decide(action, resource) is True


class RolePolicies:
    """Each role's inline policy documents and their compiled form, recompiled when one is written."""

    def __init__(self) -> None:
        self._documents: dict[str, dict[str, Mapping[str, Any]]] = {}
        self._compiled: dict[str, CompiledPolicy] = {}
        self._empty = CompiledPolicy()

    def put(self, role: str, name: str, document: Mapping[str, Any] | str) -> None:
        """Set (or replace) the role's inline policy ``name``, as ``PutRolePolicy`` does."""
        parsed = json.loads(document) if isinstance(document, str) else document
        self._documents.setdefault(role, {})[name] = parsed
        self._compiled[role] = CompiledPolicy(self._documents[role].values())

    def delete(self, role: str, name: str) -> None:
        """Remove the role's inline policy ``name``, as ``DeleteRolePolicy`` does."""
        self._documents.get(role, {}).pop(name, None)
        self._compiled[role] = CompiledPolicy(self._documents.get(role, {}).values())

    def compiled(self, role: str) -> CompiledPolicy:
        """The role's policies, compiled (no statement at all for an unknown role)."""
        return self._compiled.get(role, self._empty)

    def documents(self, role: str) -> dict[str, Mapping[str, Any]]:
        """The role's inline policy documents by policy name."""
        return dict(self._documents.get(role, {}))


# AWS's answer to a denied call, per service: HTTP status and error code (JSON services: 400
# AccessDeniedException unless listed)
_DENIALS: dict[str, tuple[int, str]] = {
    "s3": (403, "AccessDenied"),
    "iam": (403, "AccessDenied"),
    "sts": (403, "AccessDenied"),
    "sqs": (403, "AccessDenied"),
    "sns": (403, "AuthorizationError"),
    "lambda": (403, "AccessDeniedException"),
}


def access_denied(
    service: str,
    operation: str,
    account: str,
    principal: str,
    action: str,
    resource: str,
    *,
    explicit: bool = False,
) -> tuple[AWSResponse, dict[str, Any]]:
    """The AccessDenied answer ``service`` gives a role whose policy does not allow ``action``.

    The one builder for every service: a botocore ``before-call`` handler returns it as the call's
    response. S3 answers 403 (a HEAD request's error has no body, hence code ``403``); IAM, STS and
    SQS answer 403 ``AccessDenied``, SNS 403 ``AuthorizationError``, Lambda 403 and the other JSON
    services 400 ``AccessDeniedException``.

    :param service: the IAM prefix of the service (``s3``, ``firehose``, ``iam``, ...).
    :param principal: ``role/session`` of the caller (the role name and the function name).
    :param explicit: the action is denied by a ``Deny`` statement, not merely not allowed.
    """
    quoted = f'"{resource}"' if service == "s3" else resource
    reason = (
        "with an explicit deny in an identity-based policy"
        if explicit
        else f"because no identity-based policy allows the {action} action"
    )
    message = (
        f"User: arn:aws:sts::{account}:assumed-role/{principal} is not authorized to perform: "
        f"{action} on resource: {quoted} {reason}"
    )
    status, code = _DENIALS.get(service, (400, "AccessDeniedException"))
    if service == "s3":
        header, request_id = "x-amz-request-id", uuid.uuid4().hex[:16].upper()
        if operation.startswith("Head"):
            error = {"Code": "403", "Message": "Forbidden"}
        else:
            error = {"Code": code, "Message": message}
    else:
        header, request_id = "x-amzn-requestid", str(uuid.uuid4())
        error = {"Code": code, "Message": message}
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


class ClientNames:
    """:class:`~jaya_pulumi.local.iam_actions.Names` looked up on the local account.

    :param client: the harness's client factory, ``client(service, region)``.
    :param workgroups: Redshift Serverless workgroup ARNs by name (emulators register them).
    """

    def __init__(
        self, client: Callable[[str, str], Any], workgroups: Mapping[str, str], account: str
    ) -> None:
        self._client = client
        self._workgroups = workgroups
        self._account = account
        self._secrets: dict[tuple[str, str], str] = {}

    def secret_arn(self, secret_id: str, region: str) -> str:
        """The secret's full ARN (with its suffix) if it exists, else the ARN of the name."""
        if secret_id.startswith("arn:"):
            return secret_id
        key = (region, secret_id)
        if key not in self._secrets:
            try:
                described = self._client("secretsmanager", region).describe_secret(
                    SecretId=secret_id
                )
            except ClientError:  # not there (yet): the call fails on its own after IAM
                return secret_arn(region, self._account, secret_id)
            self._secrets[key] = str(described["ARN"])
        return self._secrets[key]

    def workgroup_arn(self, workgroup: str, region: str) -> str:
        """The registered workgroup's ARN, else one with the name where AWS puts the id."""
        known = self._workgroups.get(workgroup)
        if known is not None:
            return known
        return f"arn:aws:redshift-serverless:{region}:{self._account}:workgroup/{workgroup}"


Caller = Callable[[], "tuple[str, str] | None"]
"""Returns ``(role name, principal)`` of the handler whose call this is, or ``None``."""

_MISSING = frozenset({"NoSuchKey", "404"})
_READS = frozenset({"GetObject", "HeadObject"})


class Authorizer:
    """The botocore hooks that check every call a running handler makes against its role.

    :param policies: the account's role policies (updated by the ``after-call`` hook).
    :param caller: who makes the current call: ``None`` outside a handler (the harness's own
        calls and the services' are not checked).
    :param account: the account id, for ARNs and messages.
    :param names: resolves secret and workgroup names to their ARNs.
    """

    def __init__(
        self, policies: RolePolicies, caller: Caller, account: str, names: Names | None = None
    ) -> None:
        self.policies = policies
        self._caller = caller
        self._account = account
        self._names = names
        self._here = threading.local()  # per thread: a transfer's worker threads call at once

    def remember(self, params: Mapping[str, Any], context: dict[str, Any], **_: Any) -> None:
        """``before-parameter-build``: keep the call's parameters as the caller gave them."""
        context[PARAMS] = params

    def authorize(self, model: Any, context: Mapping[str, Any], **_: Any) -> Any:
        """``before-call``: the service's AccessDenied when the caller's role may not, else None."""
        if getattr(self._here, "resolving", False):
            return None
        caller = self._caller()
        if caller is None:
            return None
        role, principal = caller
        prefix = iam_prefix(model.service_model.signing_name)
        region = str(context.get("client_region") or "us-east-1")
        self._here.resolving = True  # a name lookup's own call is the harness's
        try:
            checks = request_checks(
                prefix, model.name, context.get(PARAMS, {}), region, self._account, self._names
            )
        finally:
            self._here.resolving = False
        policy = self.policies.compiled(role)
        for action, resource in checks:
            decision = policy.decide(action, resource)
            if decision is not True:
                return access_denied(
                    prefix,
                    model.name,
                    self._account,
                    principal,
                    action,
                    resource,
                    explicit=decision is False,
                )
        return None

    def after_call(
        self, http_response: Any, parsed: dict[str, Any], model: Any, context: Any, **_: Any
    ) -> None:
        """``after-call``: compile written role policies; a missing key is 403 without ListBucket."""
        name = model.name
        params = context.get(PARAMS, {})
        signing = model.service_model.signing_name
        if signing == "iam" and http_response.status_code < 300:
            if name == "PutRolePolicy":
                self.policies.put(
                    str(params["RoleName"]), str(params["PolicyName"]), params["PolicyDocument"]
                )
            elif name == "DeleteRolePolicy":
                self.policies.delete(str(params["RoleName"]), str(params["PolicyName"]))
            return
        if (
            signing == "s3"
            and name in _READS
            and http_response.status_code == 404
            and str((parsed.get("Error") or {}).get("Code")) in _MISSING
        ):
            caller = self._caller()
            bucket = s3_arn(str(params.get("Bucket", "")))
            if caller is None or self.policies.compiled(caller[0]).allows("s3:ListBucket", bucket):
                return
            denied = access_denied("s3", name, self._account, caller[1], "s3:ListBucket", bucket)[1]
            http_response.status_code = 403
            parsed["Error"] = denied["Error"]
            parsed.setdefault("ResponseMetadata", {})["HTTPStatusCode"] = 403
