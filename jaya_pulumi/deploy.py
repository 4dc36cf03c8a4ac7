"""``deploy_pipeline(aws_conf, environment, pipeline)``: the seed's one-call deployment.

A thin layer over :func:`jaya_pulumi.automation.up`: ``environment`` is the stack, ``aws_conf``
carries the AWS region, profile or keys for the engine only (environment variables of the
``pulumi`` process; never a file, stack config or state). Keys it does not know (the seed's
``firehose_role``, say) are ignored with a warning. Needs the ``pulumi`` CLI on PATH.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from jaya_pulumi.dsl import Pipeline

if TYPE_CHECKING:
    from jaya_pulumi.automation import UpResult

__all__ = ["DeploySkipped", "deploy_pipeline", "skipping_deploys"]

_SKIPPING: ContextVar[bool] = ContextVar("jaya_skipping_deploys", default=False)


class DeploySkipped(BaseException):
    """Raised by :func:`deploy_pipeline` inside :func:`skipping_deploys` to stop the file there.

    A ``BaseException`` so that a pipeline file's own ``except Exception`` cannot swallow it.
    """

    def __init__(self, pipeline: Pipeline, environment: str = "") -> None:
        super().__init__(f"deploy_pipeline({pipeline.name!r}) skipped")
        self.pipeline: Pipeline = pipeline
        """The pipeline the file asked to deploy."""
        self.environment: str = environment
        """The stack the file asked to deploy to."""


@contextlib.contextmanager
def skipping_deploys() -> Iterator[None]:
    """While active, :func:`deploy_pipeline` deploys nothing and raises :class:`DeploySkipped`.

    ``jaya`` runs pipeline files this way: a seed-style file that ends with
    ``deploy.deploy_pipeline(aws_conf, "staging", piper)`` can be drawn or previewed without
    deploying.
    """
    token = _SKIPPING.set(True)
    try:
        yield
    finally:
        _SKIPPING.reset(token)


def deploy_pipeline(
    aws_conf: Mapping[str, Any] | None,
    environment: str,
    pipeline: Pipeline,
    *,
    config: Mapping[str, str] | None = None,
    secrets: Mapping[str, str] | None = None,
    backend_url: str | None = None,
    passphrase: str | None = None,
    write: Callable[[str], Any] | None = print,
) -> UpResult:
    """Deploy ``pipeline`` to the stack ``environment``, printing progress per node and the outputs.

    :param aws_conf: ``region``, ``profile``, ``aws_access_key_id``, ``aws_secret_access_key``,
        ``aws_session_token`` for the engine; ``{}`` uses your usual AWS environment.
    :param environment: the stack to deploy to (``staging``, ``production``, ...).
    :param pipeline: the pipeline.
    :param config: extra stack config, e.g. ``{"aws:region": "us-east-1"}``.
    :param secrets: stack config stored encrypted.
    :param backend_url: state backend, e.g. ``file://~/.jaya-state`` (no Pulumi Cloud needed).
    :param passphrase: the secrets passphrase for a passphrase-encrypted stack.
    :param write: where progress lines go; ``None`` for silence.
    :raises PulumiNotInstalledError: no ``pulumi`` on PATH (the message says how to install it).
    :raises PulumiCommandError: (or a subclass) the deployment failed.
    """
    if not isinstance(pipeline, Pipeline):
        raise TypeError(f"deploy_pipeline() takes a Pipeline, got {type(pipeline).__name__}")
    if _SKIPPING.get():
        raise DeploySkipped(pipeline, environment)
    from jaya_pulumi.automation import ProgressPrinter, up

    printer = ProgressPrinter(pipeline, write=write) if write is not None else None
    result = up(
        pipeline,
        environment,
        config=config,
        secrets=secrets,
        aws_conf=aws_conf,
        backend_url=backend_url,
        passphrase=passphrase,
        on_event=printer,
    )
    if write is not None:
        write(result.outputs_table().rstrip("\n"))
    return result
