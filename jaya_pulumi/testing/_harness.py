"""The local harness: run a pipeline's Pulumi program on emulated AWS, with its real handler code.

``test(pipeline)`` starts moto in-process with fake credentials, runs the program that ``pulumi up``
would run under mocks whose ``new_resource`` creates each resource in moto from the registered
inputs, and wires moto's S3 notifications to the functions' real archives, run in-process.

Supported resource types are listed in :data:`CREATORS` (one entry per type token); other types
are registered with the mocks' computed outputs and not created. Firehose delivery streams go to
a Firehose emulator and Redshift tables are created in a local PostgreSQL (see
``_local_redshift``, ``_firehose`` and ``_copy``). Not emulated: Lambda layers (their packages come
from the developer's environment), bucket policies (stored, not enforced), IAM for services other
than S3 and Firehose, invocation delays (retries run at once), SQS/SNS/EventBridge destinations
(moto handles them as it does without the harness).
"""

from __future__ import annotations

import copy
import json
import os
import threading
import uuid
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any

import boto3
import botocore.handlers
import pulumi
from botocore.awsrequest import AWSResponse, HTTPHeaders
from botocore.exceptions import ClientError

from jaya_pulumi.dsl import Pipeline
from jaya_pulumi.errors import JayaError
from jaya_pulumi.packaging import LambdaArchive
from jaya_pulumi.testing._events import s3_event, s3_record
from jaya_pulumi.testing._firehose import FirehoseEmulator
from jaya_pulumi.testing._lambda import Invocation, LocalFunction
from jaya_pulumi.testing._local_redshift import LocalRedshift
from jaya_pulumi.testing._mocks import DEFAULT_ACCOUNT, DEFAULT_REGION, JayaMocks
from jaya_pulumi.testing._policy import CompiledPolicy, s3_request
from jaya_pulumi.testing._synth import Synthesis, synth

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3ServiceResource
    from pulumi.runtime import MockResourceArgs

__all__ = [
    "CREATORS",
    "HandlerFailedError",
    "Harness",
    "HarnessError",
    "ResourceRejectedError",
    "s3_event",
    "test",
]

LOCAL_STACK = "local"
"""The stack the harness runs as when the pipeline's functions name no common alias."""
MAX_CASCADE_DEPTH = 16
"""Nested invocations after which the harness stops a loop, as Lambda's recursion detection does."""

_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    # these, from the environment or a profile, would send calls to hosts moto does not answer
    # (AWS_ENDPOINT_URL_<SERVICE>, endpoint_url; lambda-fips..., logs.us-east-1.api.aws)
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true",
    "AWS_USE_FIPS_ENDPOINT": "false",
    "AWS_USE_DUALSTACK_ENDPOINT": "false",
    # nor may the developer's profiles apply (s3 use_accelerate_endpoint, addressing style, ...)
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}
"""Set for the harness's lifetime: fake credentials, and only endpoints moto intercepts."""
_CLEARED = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3")


class HarnessError(JayaError):
    """The local harness cannot run the pipeline as asked."""


class ResourceRejectedError(HarnessError):
    """Emulated AWS refused a resource's inputs (the message names the resource and AWS's error)."""


class HandlerFailedError(HarnessError):
    """A function still failed after its retries; ``failures`` holds the last attempt of each."""

    def __init__(self, message: str, failures: list[Invocation]) -> None:
        super().__init__(message)
        self.failures = failures
        """The final failed attempt of each event that was not processed."""


_WRITES = frozenset({"PutObject", "CopyObject", "CompleteMultipartUpload"})


class _Active:
    """A function call in progress: whose role the handler's AWS calls use."""

    __slots__ = ("function", "invocation", "policy", "principal", "role")

    def __init__(
        self,
        function: LocalFunction,
        invocation: Invocation,
        policy: CompiledPolicy,
        role: str,
        principal: str,
    ) -> None:
        self.function = function
        self.invocation = invocation
        self.policy = policy
        self.role = role
        self.principal = principal


_Creator = Callable[["Harness", "MockResourceArgs", str, dict[str, Any], str], None]


class _HarnessMocks(JayaMocks):
    """``JayaMocks`` whose ``new_resource`` also creates the resource in moto."""

    def __init__(self, harness: Harness, region: str) -> None:
        super().__init__(account_id=DEFAULT_ACCOUNT, region=region)
        self._harness = harness
        self._lock = threading.Lock()

    def new_resource(self, args: MockResourceArgs) -> tuple[str, dict[str, Any]]:
        """Compute the outputs as ``JayaMocks`` does, then create the resource in moto."""
        with self._lock:
            id_, state = super().new_resource(args)
            creator = CREATORS.get(args.typ)
            if creator is not None and not self._harness._rejected:
                try:
                    creator(self._harness, args, id_, state, self.region_of(args))
                except Exception as exc:  # any refusal names the resource; see _rejection
                    self._harness._rejected.append(_rejection(args, exc))
            return id_, state


def _rejection(args: MockResourceArgs, exc: Exception) -> str:
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        reason = f"{error.get('Code', 'Error')}: {error.get('Message', exc)}"
    elif isinstance(exc, HarnessError):
        reason = str(exc)
    else:
        reason = f"{type(exc).__name__}: {exc}"
    return f"{args.typ} {args.name!r} was rejected: {reason}"


def default_stack(pipeline: Pipeline) -> str:
    """The alias the pipeline's functions agree on, else ``local``."""
    aliases = {fn.alias for fn in pipeline.functions if fn.alias is not None}
    return aliases.pop() if len(aliases) == 1 else LOCAL_STACK


class Harness:
    """A pipeline deployed on in-process moto; its functions' archives run when triggers fire.

    Use :func:`test` to make one. See the module docstring for what is emulated.
    """

    _running: Harness | None = None

    def __init__(
        self,
        pipeline: Pipeline,
        stack: str | None = None,
        *,
        region: str = DEFAULT_REGION,
        retries: int = 2,
        raise_failures: bool = True,
        config: Mapping[str, Any] | None = None,
        database_url: str | None = None,
    ) -> None:
        if not isinstance(pipeline, Pipeline):
            raise TypeError(f"test() takes a Pipeline, got {type(pipeline).__name__}")
        if retries < 0:
            raise ValueError(f"retries must be 0 or more, got {retries}")
        self.pipeline = pipeline
        """The pipeline under test."""
        self.stack = stack or default_stack(pipeline)
        """The stack (environment) the program runs as."""
        self.region = region
        """The stack's ``aws:region``."""
        self.retries = retries
        """How many times a failing asynchronous invocation is retried (S3's default: 2)."""
        self.raise_failures = raise_failures
        """Raise :class:`HandlerFailedError` at exit for unresolved failures."""
        self._config = {"aws:region": region, **(config or {})}
        self._synthesis: Synthesis | None = None
        self._rejected: list[str] = []
        self._functions: dict[str, LocalFunction] = {}
        self._targets: dict[str, tuple[LocalFunction, str]] = {}
        self._permissions: list[tuple[str, str, str]] = []
        self._policies: dict[str, CompiledPolicy] = {}
        self._role_ids: dict[str, str] = {}
        self._invocations: list[Invocation] = []
        self._failures: list[Invocation] = []
        self._reported = 0
        self._active: list[_Active] = []
        self._clients: dict[tuple[str, str], Any] = {}
        self._session: boto3.session.Session | None = None
        self._saved_env: dict[str, str | None] = {}
        self._mock: Any = None
        self._patched: dict[str, Any] = {}
        self._hooks: list[tuple[str, Callable[..., Any]]] = []
        self._started = False
        self._redshift = LocalRedshift(DEFAULT_ACCOUNT, database_url)

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> Harness:
        """Start moto, deploy the pipeline into it and wire the triggers; return ``self``."""
        if self._started:
            return self
        if Harness._running is not None:
            raise HarnessError(
                "Another jaya_pulumi harness is running; stop it (leave its `with` block) first."
            )
        Harness._running = self
        self._started = True
        try:
            self._start_aws()
            self._synthesis = synth(
                self.pipeline,
                stack=self.stack,
                config=self._config,
                mocks=_HarnessMocks(self, self.region),
            )
            if self._rejected:
                raise ResourceRejectedError(
                    f"Pipeline {self.pipeline.name!r} on stack {self.stack!r} cannot be deployed: "
                    + "; ".join(self._rejected)
                )
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Delete the extracted archives, stop moto and restore the environment."""
        if not self._started:
            return
        self._started = False
        closing: Exception | None = None
        try:
            self._redshift.close()  # Firehose delivers what it still buffers, at exit
        except Exception as exc:  # finish stopping first, then report it
            closing = exc
        for function in self._functions.values():
            function.close()
        self._uninstall_hooks()
        from moto.s3 import notifications

        for name, original in self._patched.items():
            setattr(notifications, name, original)
        self._patched.clear()
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved_env.clear()
        if self._mock is not None:
            self._mock.stop()
            self._mock = None
        self._clients.clear()
        Harness._running = None
        if closing is not None:
            raise closing

    def __enter__(self) -> Harness:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
        if exc_type is None and self.raise_failures:
            self.check()

    def _start_aws(self) -> None:
        from moto import mock_aws
        from moto.s3 import notifications

        self._mock = mock_aws()
        self._mock.start()
        wanted: dict[str, str | None] = {
            **_ENVIRONMENT,
            "AWS_DEFAULT_REGION": self.region,
            **dict.fromkeys(_CLEARED),
        }
        self._saved_env = {k: os.environ.get(k) for k in wanted}
        for key, value in wanted.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._patched = {
            "_get_s3_event": notifications._get_s3_event,
            "_invoke_awslambda": notifications._invoke_awslambda,
        }
        notifications._get_s3_event = self._s3_event
        notifications._invoke_awslambda = self._on_notification
        self._install_hooks()
        self._session = boto3.session.Session(region_name=self.region)

    # -- what tests use -------------------------------------------------------------------

    def _require_running(self) -> boto3.session.Session:
        if not self._started or self._session is None:
            raise HarnessError("The harness is not running; use it inside `with test(...)`.")
        return self._session

    def s3(self, region: str | None = None) -> S3ServiceResource:
        """A boto3 S3 resource on the emulated account (as in the seed's test)."""
        session = self._require_running()
        return session.resource("s3", region_name=region or self.region)

    def client(self, name: str, region: str | None = None) -> Any:
        """A boto3 client for service ``name`` on the emulated account (cached)."""
        session = self._require_running()
        key = (name, region or self.region)
        if key not in self._clients:
            self._clients[key] = session.client(name, region_name=key[1])  # type: ignore[call-overload]
        return self._clients[key]

    @property
    def outputs(self) -> dict[str, Any]:
        """The program's stack exports (physical names and ARNs by pipeline name)."""
        return dict(self.synthesis.outputs)

    @property
    def synthesis(self) -> Synthesis:
        """Everything the program registered (see :class:`~jaya_pulumi.testing.Synthesis`)."""
        if self._synthesis is None:
            raise HarnessError("The harness has not run the program; start() it first.")
        return self._synthesis

    def bucket_name(self, name: str) -> str:
        """The physical name of a bucket as written in the pipeline (``{stack}`` expanded)."""
        return name.replace("{stack}", self.stack)

    def invocations(self, function: str | None = None) -> list[Invocation]:
        """Every attempt so far, oldest first; ``function`` filters by node or physical name."""
        if function is None:
            return list(self._invocations)
        return [i for i in self._invocations if function in (i.function, i.function_name)]

    @property
    def failures(self) -> list[Invocation]:
        """The last attempt of every event still failing after its retries."""
        return list(self._failures)

    def check(self) -> None:
        """Raise :class:`HandlerFailedError` for failures not yet reported (then delivery errors)."""
        pending = self._failures[self._reported :]
        self._reported = len(self._failures)
        if not pending:
            if self._redshift.emulator is not None:
                self._redshift.emulator.check()
            return
        lines = [
            f"{f.function} ({f.function_name}) failed on {', '.join(f.keys) or 'its event'} "
            f"after {f.attempt} attempt{'s' if f.attempt > 1 else ''}: "
            f"{type(f.error).__name__}: {f.error}"
            for f in pending
        ]
        last = pending[-1].traceback or ""
        raise HandlerFailedError(
            f"{len(pending)} event(s) failed:\n  " + "\n  ".join(lines) + f"\n\n{last}", pending
        )

    def function(self, name: str) -> LocalFunction:
        """The deployed function for a node name (``copy-s3``) or physical name."""
        for fn in self._functions.values():
            if name in (fn.node, fn.name):
                return fn
        known = ", ".join(sorted(fn.node for fn in self._functions.values()))
        raise HarnessError(f"No function {name!r} in pipeline {self.pipeline.name!r}: {known}.")

    def invoke(self, function: str, event: Mapping[str, Any]) -> Invocation:
        """Invoke a function synchronously (``RequestResponse``, no retry); return the attempt."""
        self._require_running()
        fn = self.function(function)
        qualified = f"{fn.arn}:{self.stack}"
        # a copy, as Lambda hands over a deserialized one: in-place edits stay in the handler
        return self._attempt(fn, qualified, copy.deepcopy(dict(event)), attempt=1)

    # -- Firehose and the local Redshift ---------------------------------------------------

    @property
    def firehose(self) -> FirehoseEmulator:
        """The Firehose emulator (set ``h.firehose.clock`` to drive buffering intervals)."""
        if self._redshift.emulator is None:
            raise HarnessError(f"Pipeline {self.pipeline.name!r} has no Firehose.")
        return self._redshift.emulator

    def flush(self) -> None:
        """Deliver what every Firehose stream buffers: stage it and COPY it into its table now.

        :raises FirehoseDeliveryError: when a delivery could not stage or load at all.
        """
        self.firehose.flush()

    @property
    def database_url(self) -> str:
        """``postgresql://`` URL of the database the pipeline's tables live in locally."""
        if self._redshift.url is None:
            raise HarnessError(f"Pipeline {self.pipeline.name!r} has no Table.")
        return self._redshift.url

    def query(self, sql: str, params: Any = None) -> list[Any]:
        """Run SQL on the local database that holds the pipeline's tables; return row tuples."""
        self.database_url  # noqa: B018 - raises when there is no table
        return self._redshift.query(sql, params)

    def rows(self, table: Any) -> list[dict[str, Any]]:
        """Every row of a table (a ``Table`` node, ``schema.table`` or name), sorted, as dicts."""
        self.database_url  # noqa: B018 - raises when there is no table
        return self._redshift.rows(str(getattr(table, "key", table)))

    def _remember_firehose_params(
        self, params: Mapping[str, Any], context: dict[str, Any], **_: Any
    ) -> None:
        context["jaya_firehose_params"] = params

    def _firehose_call(self, model: Any, context: Mapping[str, Any], **_: Any) -> Any:
        params = context.get("jaya_firehose_params")
        if params is None:
            return None
        active = self._active[-1] if self._active else None
        saved, self._active = self._active, []  # Firehose's own S3 writes are not the handler's
        try:
            return self._redshift.call(
                model.name,
                params,
                principal=active.principal if active else None,
                policy=active.policy if active else None,
            )
        finally:
            self._active = saved

    # -- deployment: one creator per type token -------------------------------------------

    def _s3_client(self, region: str) -> Any:
        return self.client("s3", region)

    def _register_function(
        self, args: MockResourceArgs, state: dict[str, Any], region: str
    ) -> None:
        inputs = args.inputs
        code = inputs.get("code")
        if not isinstance(code, pulumi.AssetArchive):
            raise HarnessError("its code is not an AssetArchive of file texts")
        files: dict[str, str] = {}
        for path, asset in code.assets.items():
            if not isinstance(asset, pulumi.StringAsset):
                raise HarnessError(f"archive entry {path!r} is not a StringAsset")
            files[path] = asset.text
        archive = LambdaArchive(dict(sorted(files.items())), str(inputs.get("runtime")), False)
        zip_bytes = archive.to_zip()
        variables = dict((inputs.get("environment") or {}).get("variables") or {})
        memory = int(inputs.get("memorySize", 128))
        timeout = int(inputs.get("timeout", 3))
        _check_function(memory, timeout, variables, len(zip_bytes))
        name = str(state["name"])
        response = self.client("lambda", region).create_function(
            FunctionName=name,
            Runtime=str(inputs.get("runtime")),
            Role=str(inputs.get("role")),
            Handler=str(inputs.get("handler")),
            Code={"ZipFile": zip_bytes},
            MemorySize=memory,
            Timeout=timeout,
            Publish=bool(inputs.get("publish")),
            Description=str(inputs.get("description") or ""),
            Environment={"Variables": variables},
        )
        fn = LocalFunction(
            name=name,
            node=variables.get("JAYA_FUNCTION", name),
            arn=response["FunctionArn"].removesuffix(f":{response['Version']}"),
            region=region,
            handler=str(inputs.get("handler")),
            zip_bytes=zip_bytes,
            memory=memory,
            timeout=timeout,
            variables=variables,
            role_arn=str(inputs.get("role")),
            version=response["Version"],
            log_group=str(
                (inputs.get("loggingConfig") or {}).get("logGroup") or f"/aws/lambda/{name}"
            ),
        )
        self._functions[fn.arn] = fn
        self._targets[fn.arn] = (fn, "$LATEST")
        self._targets[f"{fn.arn}:{fn.version}"] = (fn, fn.version)

    # -- triggers -------------------------------------------------------------------------

    def _s3_event(self, event_name: str, bucket: Any, key: Any, notification_id: str) -> Any:
        """Replacement for moto's event builder: the full record S3 sends (moto's lacks fields)."""
        principal = "AWS:AIDAJAYATESTUSER"
        if self._active:
            active = self._active[-1]
            principal = f"AWS:{self._role_ids.get(active.role, 'AROA')}:{active.function.name}"
        version = (
            getattr(key, "version_id", None) if getattr(bucket, "is_versioned", False) else None
        )
        etag = getattr(key, "etag", None)
        return {
            "Records": [
                s3_record(
                    bucket.name,
                    key.name,
                    event_name=str(getattr(event_name, "value", event_name)),
                    size=getattr(key, "size", 0),
                    etag=etag.strip('"') if isinstance(etag, str) else None,
                    version_id=version,
                    region=bucket.region_name,
                    configuration_id=notification_id,
                    principal_id=principal,
                )
            ]
        }

    def _on_notification(
        self, account_id: str, event_body: Any, fn_arn: str, region_name: str
    ) -> None:
        """Replacement for moto's Lambda invoke: run the target's archive (async semantics)."""
        target = self._targets.get(fn_arn)
        if target is None:
            return
        fn = target[0]
        if len(self._active) >= MAX_CASCADE_DEPTH:
            failed = Invocation(fn.node, fn.name, event_body, 1, str(uuid.uuid4()))
            failed.error = HarnessError(
                f"{fn.node} was invoked {MAX_CASCADE_DEPTH} levels deep in one cascade; Lambda "
                "stops such recursive loops. Check that no function writes where it is triggered."
            )
            self._invocations.append(failed)
            self._failures.append(failed)
            return
        for attempt in range(1, self.retries + 2):
            invocation = self._attempt(fn, fn_arn, copy.deepcopy(event_body), attempt)
            if invocation.ok:
                return
        self._failures.append(invocation)

    def _attempt(
        self, fn: LocalFunction, invoked_arn: str, event: dict[str, Any], attempt: int
    ) -> Invocation:
        invocation = Invocation(fn.node, fn.name, event, attempt, str(uuid.uuid4()))
        self._invocations.append(invocation)
        role = fn.role_arn.rsplit("/", 1)[-1]
        policy = self._policies.get(role) or CompiledPolicy()
        self._active.append(_Active(fn, invocation, policy, role, f"{role}/{fn.name}"))
        try:
            fn.call(event, invoked_arn, invocation)
        finally:
            self._active.pop()
        return invocation

    # -- IAM on the handler's S3 calls -----------------------------------------------------

    def _install_hooks(self) -> None:
        self._hooks = [
            ("before-parameter-build.s3", self._remember_params),
            ("before-call.s3", self._authorize),
            ("after-call.s3", self._record_write),
            ("before-parameter-build.firehose", self._remember_firehose_params),
            ("before-call.firehose", self._firehose_call),
        ]
        for event, hook in self._hooks:
            botocore.handlers.BUILTIN_HANDLERS.append((event, hook))
            default = boto3.DEFAULT_SESSION
            if default is not None:
                default._session.register(event, hook, unique_id=f"jaya-harness-{event}")

    def _uninstall_hooks(self) -> None:
        for event, hook in self._hooks:
            if (event, hook) in botocore.handlers.BUILTIN_HANDLERS:
                botocore.handlers.BUILTIN_HANDLERS.remove((event, hook))
            default = boto3.DEFAULT_SESSION
            if default is not None:
                # registered by unique id when it existed at start, from BUILTIN_HANDLERS otherwise
                default._session.unregister(event, hook, unique_id=f"jaya-harness-{event}")
                default._session.unregister(event, hook)
        self._hooks = []

    def _remember_params(
        self, params: Mapping[str, Any], context: dict[str, Any], **_: Any
    ) -> None:
        if self._active:
            context["jaya_iam_params"] = {
                k: params[k]
                for k in ("Bucket", "Key", "VersionId", "CopySource", "Delete")
                if k in params
            }

    def _record_write(
        self, http_response: Any, model: Any, context: Mapping[str, Any], **_: Any
    ) -> None:
        if self._active and model.name in _WRITES and http_response.status_code < 300:
            params = context.get("jaya_iam_params", {})
            self._active[-1].invocation.writes.append(
                f"s3://{params.get('Bucket', '?')}/{params.get('Key', '?')}"
            )

    def _authorize(self, model: Any, context: Mapping[str, Any], **_: Any) -> Any:
        if not self._active:
            return None
        active = self._active[-1]
        params = context.get("jaya_iam_params", {})
        for action, resource in s3_request(model.name, params):
            if not active.policy.allows(action, resource):
                return _access_denied(model.name, active, action, resource)
        return None


def _access_denied(operation: str, active: _Active, action: str, resource: str) -> Any:
    """The 403 S3 answers (a HEAD request's error has no body, hence code ``403``)."""
    if operation.startswith("Head"):
        error = {"Code": "403", "Message": "Forbidden"}
    else:
        error = {
            "Code": "AccessDenied",
            "Message": (
                f"User: arn:aws:sts::{DEFAULT_ACCOUNT}:assumed-role/{active.principal} is not "
                f'authorized to perform: {action} on resource: "{resource}" because no '
                f"identity-based policy allows the {action} action"
            ),
        }
    request_id = uuid.uuid4().hex[:16].upper()
    headers = HTTPHeaders()
    headers["x-amz-request-id"] = request_id
    http = AWSResponse("https://s3.amazonaws.com/", 403, headers, None)
    parsed = {
        "Error": error,
        "ResponseMetadata": {"HTTPStatusCode": 403, "RequestId": request_id, "HTTPHeaders": {}},
    }
    return http, parsed


def _check_function(memory: int, timeout: int, variables: Mapping[str, str], size: int) -> None:
    """Limits Lambda enforces that moto does not."""
    if not 128 <= memory <= 10240:
        raise HarnessError(f"MemorySize {memory} is outside Lambda's 128 to 10240 MB")
    if not 1 <= timeout <= 900:
        raise HarnessError(f"Timeout {timeout} is outside Lambda's 1 to 900 seconds")
    env_size = len(json.dumps(variables).encode())
    if env_size > 4096:
        raise HarnessError(f"its environment variables total {env_size} bytes; Lambda allows 4 KB")
    if size > 50 * 1024 * 1024:
        raise HarnessError(f"its zip is {size} bytes; Lambda allows 50 MB for a direct upload")


# -- creators -----------------------------------------------------------------------------


def _bucket(
    h: Harness, args: MockResourceArgs, id_: str, state: dict[str, Any], region: str
) -> None:
    kwargs: dict[str, Any] = {"Bucket": id_}
    if region != "us-east-1":
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
    h._s3_client(region).create_bucket(**kwargs)


def _ownership(
    h: Harness, args: MockResourceArgs, id_: str, state: dict[str, Any], region: str
) -> None:
    rule = args.inputs.get("rule") or {}
    h._s3_client(region).put_bucket_ownership_controls(
        Bucket=str(args.inputs["bucket"]),
        OwnershipControls={"Rules": [{"ObjectOwnership": rule.get("objectOwnership")}]},
    )


def _public_access_block(
    h: Harness, args: MockResourceArgs, id_: str, state: dict[str, Any], region: str
) -> None:
    i = args.inputs
    h._s3_client(region).put_public_access_block(
        Bucket=str(i["bucket"]),
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": bool(i.get("blockPublicAcls")),
            "IgnorePublicAcls": bool(i.get("ignorePublicAcls")),
            "BlockPublicPolicy": bool(i.get("blockPublicPolicy")),
            "RestrictPublicBuckets": bool(i.get("restrictPublicBuckets")),
        },
    )


def _encryption(
    h: Harness, args: MockResourceArgs, id_: str, state: dict[str, Any], region: str
) -> None:
    rules = []
    for rule in args.inputs.get("rules") or []:
        default = rule.get("applyServerSideEncryptionByDefault") or {}
        by_default = {"SSEAlgorithm": default.get("sseAlgorithm")}
        if default.get("kmsMasterKeyId"):
            by_default["KMSMasterKeyID"] = default["kmsMasterKeyId"]
        rules.append(
            {
                "ApplyServerSideEncryptionByDefault": by_default,
                "BucketKeyEnabled": bool(rule.get("bucketKeyEnabled")),
            }
        )
    h._s3_client(region).put_bucket_encryption(
        Bucket=str(args.inputs["bucket"]), ServerSideEncryptionConfiguration={"Rules": rules}
    )


def _over_https(statement: Mapping[str, Any]) -> bool:
    """False for a statement that applies only to plain-HTTP requests (SDK calls use HTTPS)."""
    condition = statement.get("Condition") or {}
    secure = (condition.get("Bool") or {}).get("aws:SecureTransport")
    return str(secure).lower() != "false"


def _bucket_policy(
    h: Harness, args: MockResourceArgs, id_: str, state: dict[str, Any], region: str
) -> None:
    # moto ignores a statement's Condition, so the usual TLS-only Deny would refuse every call;
    # statements that cannot apply to an HTTPS request are left out of what moto stores.
    document = json.loads(str(args.inputs["policy"]))
    statements = document.get("Statement", [])
    if isinstance(statements, Mapping):
        statements = [statements]
    kept = [s for s in statements if _over_https(s)]
    if kept:
        h._s3_client(region).put_bucket_policy(
            Bucket=str(args.inputs["bucket"]), Policy=json.dumps({**document, "Statement": kept})
        )


def _notification(
    h: Harness, args: MockResourceArgs, id_: str, state: dict[str, Any], region: str
) -> None:
    bucket = str(args.inputs["bucket"])
    bucket_arn = f"arn:aws:s3:::{bucket}"
    configs = []
    for index, entry in enumerate(args.inputs.get("lambdaFunctions") or []):
        arn = str(entry.get("lambdaFunctionArn"))
        if arn not in h._targets:
            raise HarnessError(
                f"Unable to validate the following destination configurations: {arn} does not exist"
            )
        if not any(
            target == arn and principal == "s3.amazonaws.com" and source in (bucket_arn, "")
            for target, principal, source in h._permissions
        ):
            raise HarnessError(
                f"Unable to validate the following destination configurations: S3 may not invoke "
                f"{arn}; add a lambda.Permission for principal s3.amazonaws.com with source ARN "
                f"{bucket_arn} and make the notification depend on it"
            )
        rules = [
            {"Name": name, "Value": entry[field]}
            for name, field in (("prefix", "filterPrefix"), ("suffix", "filterSuffix"))
            if entry.get(field)
        ]
        config: dict[str, Any] = {
            "Id": entry.get("id") or f"jaya-{bucket}-{index}",
            "LambdaFunctionArn": arn,
            "Events": list(entry.get("events") or []),
        }
        if rules:
            config["Filter"] = {"Key": {"FilterRules": rules}}
        configs.append(config)
    h._s3_client(region).put_bucket_notification_configuration(
        Bucket=bucket, NotificationConfiguration={"LambdaFunctionConfigurations": configs}
    )


def _role(h: Harness, args: MockResourceArgs, id_: str, state: dict[str, Any], region: str) -> None:
    response = h.client("iam", region).create_role(
        RoleName=id_,
        AssumeRolePolicyDocument=str(args.inputs.get("assumeRolePolicy")),
        Description=str(args.inputs.get("description") or ""),
    )
    h._role_ids[id_] = response["Role"]["RoleId"]


def _role_policy(
    h: Harness, args: MockResourceArgs, id_: str, state: dict[str, Any], region: str
) -> None:
    role = str(args.inputs["role"])
    document = str(args.inputs["policy"])
    h.client("iam", region).put_role_policy(
        RoleName=role, PolicyName=str(state["name"]), PolicyDocument=document
    )
    h._policies.setdefault(role, CompiledPolicy()).add(json.loads(document))


def _log_group(
    h: Harness, args: MockResourceArgs, id_: str, state: dict[str, Any], region: str
) -> None:
    logs = h.client("logs", region)
    logs.create_log_group(logGroupName=id_)
    if args.inputs.get("retentionInDays"):
        logs.put_retention_policy(
            logGroupName=id_, retentionInDays=int(args.inputs["retentionInDays"])
        )


def _function(
    h: Harness, args: MockResourceArgs, id_: str, state: dict[str, Any], region: str
) -> None:
    h._register_function(args, state, region)


def _alias(
    h: Harness, args: MockResourceArgs, id_: str, state: dict[str, Any], region: str
) -> None:
    function = str(args.inputs["functionName"])
    response = h.client("lambda", region).create_alias(
        FunctionName=function,
        Name=str(args.inputs["name"]),
        FunctionVersion=str(args.inputs.get("functionVersion") or "$LATEST"),
        Description=str(args.inputs.get("description") or ""),
    )
    fn = next(f for f in h._functions.values() if function in (f.name, f.arn))
    h._targets[response["AliasArn"]] = (fn, str(args.inputs["name"]))


def _delivery_stream(
    h: Harness, args: MockResourceArgs, id_: str, state: dict[str, Any], region: str
) -> None:
    h._redshift.create_stream(args, state, h._s3_client(region), h.client("firehose", region))


def _dynamic(
    h: Harness, args: MockResourceArgs, id_: str, state: dict[str, Any], region: str
) -> None:
    h._redshift.create_table(args)


def _permission(
    h: Harness, args: MockResourceArgs, id_: str, state: dict[str, Any], region: str
) -> None:
    i = args.inputs
    kwargs: dict[str, Any] = {
        "FunctionName": str(i["function"]),
        "StatementId": str(state["statementId"]),
        "Action": str(i["action"]),
        "Principal": str(i["principal"]),
    }
    if i.get("sourceArn"):
        kwargs["SourceArn"] = str(i["sourceArn"])
    if i.get("sourceAccount"):
        kwargs["SourceAccount"] = str(i["sourceAccount"])
    if kwargs["Action"] != "lambda:InvokeFunction":
        raise HarnessError(f"action {kwargs['Action']!r} does not let S3 invoke the function")
    h.client("lambda", region).add_permission(**kwargs)
    h._permissions.append(
        (kwargs["FunctionName"], kwargs["Principal"], kwargs.get("SourceArn", ""))
    )


CREATORS: dict[str, _Creator] = {
    "aws:s3/bucket:Bucket": _bucket,
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": _ownership,
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": _public_access_block,
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": (
        _encryption
    ),
    "aws:s3/bucketPolicy:BucketPolicy": _bucket_policy,
    "aws:s3/bucketNotification:BucketNotification": _notification,
    "aws:iam/role:Role": _role,
    "aws:iam/rolePolicy:RolePolicy": _role_policy,
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:lambda/function:Function": _function,
    "aws:lambda/alias:Alias": _alias,
    "aws:lambda/permission:Permission": _permission,
    "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream": _delivery_stream,
    "pulumi-python:dynamic:Resource": _dynamic,
}
"""How the harness creates each resource type in moto, by type token: ``(harness, args, id,
state, region) -> None``; raise ``ClientError``/``HarnessError`` to reject the inputs."""


def test(
    pipeline: Pipeline,
    stack: str | None = None,
    *,
    region: str = DEFAULT_REGION,
    retries: int = 2,
    raise_failures: bool = True,
    config: Mapping[str, Any] | None = None,
    database_url: str | None = None,
    secrets: Mapping[str, str] | None = None,
) -> Harness:
    """Run ``pipeline`` on emulated AWS with its real handler code: ``with test(piper) as h:``.

    :param pipeline: the pipeline to deploy locally.
    :param stack: the stack (environment); default: the alias the functions agree on, else
        ``local``.
    :param region: the stack's ``aws:region``.
    :param retries: retries of a failing asynchronous (S3-triggered) invocation; S3's default is 2.
    :param raise_failures: raise :class:`HandlerFailedError` when the ``with`` block exits if an
        event still failed after its retries; pass ``False`` to inspect ``h.failures`` instead.
    :param config: extra stack config, ``{"jaya:setting": ...}``; a bare key is in project ``jaya``.
    :param secrets: secret stack config, as ``config``: ``{"dbPassword": ...}`` for ``ConfigSecret``.
    :param database_url: a PostgreSQL server for the pipeline's tables (each harness makes its own
        database on it); default: an embedded PostgreSQL, started only if the pipeline has a Table.
        The ``Table``'s own ``db_conf`` (a Redshift cluster) is never contacted.
    :raises ResourceRejectedError: at start, when emulated AWS refuses a resource's inputs.
    """
    return Harness(
        pipeline,
        stack,
        region=region,
        retries=retries,
        raise_failures=raise_failures,
        config={
            k if ":" in k else f"jaya:{k}": v
            for k, v in {**(config or {}), **(secrets or {})}.items()
        },
        database_url=database_url,
    )


test.__test__ = False  # type: ignore[attr-defined]  # not a pytest test function
