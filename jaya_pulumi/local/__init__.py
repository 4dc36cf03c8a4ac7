"""The local cloud: a pipeline deployed on in-process moto, laid out per service.

``with test(piper) as h:`` runs the pipeline's Pulumi program on emulated AWS with its functions'
real archives, Firehose delivery and a local PostgreSQL. One line per room:

- ``harness.py``: the facade, ``test()`` and :class:`Harness` (start/stop/``with``, ``s3()``,
  ``client()``, ``invoke()``, ``invocations()``, ``failures``, ``check()``, ``flush()``, ``rows()``,
  ``query()``, ``fire()``, ``queues()``).
- ``_account.py``: the state one local account holds; the only thing the creators write.
- ``_sandbox.py``: environment variables, moto, botocore hooks; the one seam into moto's internals.
- ``_deploy.py``: the mocks whose ``new_resource`` creates each resource: one creator per type.
- ``iam.py``: policy evaluation on every call a handler makes, the one AccessDenied builder.
- ``iam_actions.py``: the actions and resource ARNs each call is checked for; ARN builders.
- ``awslambda.py``: a function loaded from its archive, and invocation.
- ``s3.py``: notifications and dispatch (cascades run synchronously, with retries; a recursive
  loop is stopped after 16 invocations, as Lambda does).
- ``sqs.py``: queues and event source mappings polled synchronously (partial batch responses,
  retries, dead-letter queues), its resources created in ``_sqs_deploy.py``; ``sns.py``: topics and delivery to subscribed functions;
  ``events.py``: S3's EventBridge events routed by rule, schedules fired by ``h.fire``;
  ``_resource_policy.py``: may a service send to a queue or topic.
- ``requirements.py``: functions' pinned requirements against what is installed locally.
- ``firehose/``: streams and call routing, limits and errors, the emulator (buffering, staging).
- ``redshift/``: the database (embedded PostgreSQL) and the COPY emulation; no Firehose.
- ``errors.py``: the harness's errors, all ``JayaError``\\ s.

Import direction: ``local`` builds on ``jaya_pulumi.mocks`` (``JayaMocks``, ``synth``, event
builders), a package below both ``local`` and ``testing``; ``testing`` re-exports ``local.test``;
``local`` never imports ``testing``.
"""

from jaya_pulumi.local._sandbox import MOTO_SEAM
from jaya_pulumi.local.awslambda import Invocation, LambdaContext, LocalFunction
from jaya_pulumi.local.errors import (
    FirehoseDeliveryError,
    HandlerFailedError,
    HarnessError,
    MarshalError,
    RecursiveInvocationError,
    RequirementMismatchWarning,
    ResourceRejectedError,
    UnsupportedCopyOptionError,
)
from jaya_pulumi.local.firehose import Delivery, FirehoseEmulator, StreamSettings
from jaya_pulumi.local.harness import CREATORS, Harness, default_stack, test
from jaya_pulumi.local.iam import CompiledPolicy, access_denied
from jaya_pulumi.local.iam_actions import request_checks, s3_request

__all__ = [
    "CREATORS",
    "MOTO_SEAM",
    "CompiledPolicy",
    "Delivery",
    "FirehoseDeliveryError",
    "FirehoseEmulator",
    "HandlerFailedError",
    "Harness",
    "HarnessError",
    "Invocation",
    "LambdaContext",
    "LocalFunction",
    "MarshalError",
    "RecursiveInvocationError",
    "RequirementMismatchWarning",
    "ResourceRejectedError",
    "StreamSettings",
    "UnsupportedCopyOptionError",
    "access_denied",
    "default_stack",
    "request_checks",
    "s3_request",
    "test",
]
