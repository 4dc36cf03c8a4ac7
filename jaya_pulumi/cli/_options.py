"""Arguments and options shared by several subcommands."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar

import click

__all__ = [
    "lifecycle_options",
    "lifecycle_settings",
    "parse_pairs",
    "pipeline_argument",
    "stack_options",
    "stack_settings",
    "state_options",
]

F = TypeVar("F", bound=Callable[..., Any])


def pipeline_argument(func: F) -> F:
    """``PIPELINE_FILE`` and ``--pipeline NAME``."""
    func = click.option(
        "--pipeline",
        "pipeline_name",
        metavar="NAME",
        default=None,
        help="The pipeline to use when the file defines several (its Pipeline name).",
    )(func)
    return click.argument(
        "pipeline_file", metavar="PIPELINE_FILE", type=click.Path(exists=True, dir_okay=False)
    )(func)


_STACK = click.option(
    "-s",
    "--stack",
    default="staging",
    show_default=True,
    help="The stack (environment) to operate on.",
)
_CONFIG = [
    click.option(
        "-c",
        "--config",
        "config",
        metavar="KEY=VALUE",
        multiple=True,
        help="Stack configuration, e.g. -c aws:region=us-east-1 (repeatable).",
    ),
    click.option(
        "--secret",
        "secrets",
        metavar="KEY=VALUE",
        multiple=True,
        help="Secret stack configuration, stored encrypted (repeatable).",
    ),
    click.option("--region", default=None, help="AWS region (sets aws:region)."),
]
_PROFILE = click.option(
    "--profile", default=None, help="AWS profile the engine uses (never stored)."
)
_STATE = [
    click.option(
        "--backend-url",
        default=None,
        envvar="PULUMI_BACKEND_URL",
        help="State backend, e.g. file://~/.jaya-state (default: Pulumi's own choice).",
    ),
    click.option(
        "--passphrase-env",
        metavar="VAR",
        default=None,
        help="Read the secrets passphrase from this environment variable.",
    ),
    click.option(
        "--work-dir",
        type=click.Path(file_okay=False, exists=True),
        default=None,
        help="A Pulumi project directory whose Pulumi.<stack>.yaml to use.",
    ),
]


def _apply(func: F, options: list[Callable[[F], F]]) -> F:
    for option in reversed(options):
        func = option(func)
    return func


def stack_options(func: F) -> F:
    """``-s/--stack``, ``--config``, ``--secret``, ``--region``, ``--backend-url`` and friends."""
    return _apply(func, [_STACK, *_CONFIG, _PROFILE, *_STATE])


def lifecycle_options(func: F) -> F:
    """The :func:`stack_options` of ``destroy``: no stack config, which it would not use."""
    return _apply(func, [_STACK, _PROFILE, *_STATE])


def state_options(func: F) -> F:
    """The :func:`stack_options` of ``outputs``: only what reaches the stack's state."""
    return _apply(func, [_STACK, *_STATE])


def parse_pairs(pairs: tuple[str, ...], option: str) -> dict[str, str]:
    """Turn ``("a=1", "b=2")`` into a dict; a pair without ``=`` is a usage error."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{pair!r} is not KEY=VALUE.", param_hint=option)
        out[key] = value
    return out


def stack_settings(
    *,
    backend_url: str | None,
    passphrase_env: str | None,
    work_dir: str | None,
    config: tuple[str, ...] = (),
    secrets: tuple[str, ...] = (),
    region: str | None = None,
    profile: str | None = None,
) -> dict[str, Any]:
    """The keyword arguments of :mod:`jaya_pulumi.automation` calls, from the shared options."""
    settings = parse_pairs(config, "--config")
    if region:
        settings["aws:region"] = region
    passphrase: str | None = None
    if passphrase_env:
        passphrase = os.environ.get(passphrase_env)
        if passphrase is None:
            raise click.BadParameter(
                f"environment variable {passphrase_env} is not set.", param_hint="--passphrase-env"
            )
    return {
        "config": settings,
        "secrets": parse_pairs(secrets, "--secret"),
        "aws_conf": {"profile": profile} if profile else None,
        "backend_url": backend_url,
        "passphrase": passphrase,
        "work_dir": work_dir,
    }


def lifecycle_settings(**options: Any) -> dict[str, Any]:
    """Like :func:`stack_settings`, without the config that destroy and outputs do not take."""
    settings = stack_settings(**options)
    del settings["config"], settings["secrets"]
    return settings
