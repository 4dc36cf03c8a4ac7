"""``jaya local``: run a pipeline file on the local harness, put files, show where they landed.

No AWS account, Pulumi CLI or Docker is needed: the pipeline's Pulumi program runs under mocks
that create its resources in moto, and each function's real archive runs in-process.
"""

from __future__ import annotations

import contextlib
import gzip
import re
import shutil
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import click

from jaya_pulumi.cli._load import load_pipeline
from jaya_pulumi.cli._options import parse_pairs, pipeline_argument

__all__ = ["local"]

MAX_ROWS = 20
"""A list longer than this is cut, with a count, unless ``--all`` is given."""

PROGRESS_THRESHOLD = 20
"""From this many files on, ``jaya local`` draws a progress bar while it puts them."""
LARGE_OBJECT = 8 * 1024 * 1024
"""From this size on, a file is streamed into S3 with a bar of the bytes put (fewer files only)."""


@dataclass(frozen=True)
class _Put:
    """One local file to put: where it goes and where it comes from."""

    bucket: str
    key: str
    path: Path


def _parse_put(spec: str) -> list[_Put]:
    """``BUCKET/KEY=FILE`` (or ``BUCKET/PREFIX/=DIRECTORY``) -> the files to put.

    Keys and paths may hold ``=`` themselves (Hive-style ``dt=2026-11-25/``): the split is at the
    first ``=`` whose right-hand side exists locally, else at the last one.
    """
    splits = [i for i, char in enumerate(spec) if char == "="]
    at = next((i for i in splits if Path(spec[i + 1 :]).exists()), splits[-1] if splits else -1)
    target, sep, local = (spec[:at], "=", spec[at + 1 :]) if at >= 0 else (spec, "", "")
    bucket, _, key = target.partition("/")
    if not sep or not bucket or not local:
        raise click.BadParameter(
            f"{spec!r} should read BUCKET/KEY=LOCAL_FILE, e.g. my-bucket/in/a.csv=./a.csv",
            param_hint="--put",
        )
    path = Path(local)
    if path.is_dir():
        prefix = key if not key or key.endswith("/") else key + "/"
        files = sorted(p for p in path.rglob("*") if p.is_file())
        return [_Put(bucket, prefix + f.relative_to(path).as_posix(), f) for f in files]
    if not path.is_file():
        raise click.BadParameter(f"{local!r} is not a file or directory", param_hint="--put")
    if not key or key.endswith("/"):
        key += path.name
    return [_Put(bucket, key, path)]


class _Progress:
    """A plain-text progress bar: redrawn in place on a terminal, a line per tenth otherwise."""

    def __init__(self, total: int, out: IO[str], width: int = 30, unit: str = "files") -> None:
        self._total, self._out, self._width, self._unit = max(total, 1), out, width, unit
        self._tty = out.isatty()
        self._shown = self._last = -1

    def _count(self, n: int) -> str:
        return f"{n / 1024 / 1024:.1f}" if self._unit.startswith("MiB") else str(n)

    def update(self, done: int) -> None:
        """Show ``done`` of ``total``."""
        step = done * 10 // self._total
        if done == self._last:  # botocore's last read returns nothing new
            return
        self._last = done
        if not self._tty and done != self._total:  # a log gets the final count only
            return
        if self._tty and step == self._shown and done != self._total and self._unit != "files":
            return  # bytes come in small reads: redraw a tenth at a time
        self._shown = step
        filled = done * self._width // self._total
        bar = "#" * filled + "." * (self._width - filled)
        end = "\r" if self._tty and done < self._total else "\n"
        counts = f"{self._count(done)}/{self._count(self._total)} {self._unit}"
        self._out.write(f"[{bar}] {counts}{end}")
        self._out.flush()


class _Reading:
    """A file read by botocore as it puts it, reporting each read to a :class:`_Progress`."""

    def __init__(self, file: IO[bytes], progress: _Progress) -> None:
        self._file, self._progress = file, progress

    def read(self, size: int = -1) -> bytes:
        """Read from the file and show how far it is."""
        data = self._file.read(size)
        self._progress.update(self._file.tell())
        return data

    def seek(self, offset: int, whence: int = 0) -> int:
        """Seek in the file (botocore measures the body)."""
        return self._file.seek(offset, whence)

    def tell(self) -> int:
        """The file's position."""
        return self._file.tell()


def _put(s3: Any, bucket: str, item: _Put, alone: bool) -> None:
    """Put one file: streamed with a bar of its bytes when large and alone, else read whole."""
    size = item.path.stat().st_size
    if not alone or size < LARGE_OBJECT:
        s3.put_object(Bucket=bucket, Key=item.key, Body=item.path.read_bytes())
        return
    progress = _Progress(size, sys.stdout, unit=f"MiB put to s3://{bucket}/{item.key}")
    with item.path.open("rb") as file:
        s3.put_object(
            Bucket=bucket, Key=item.key, Body=_Reading(file, progress), ContentLength=size
        )


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], limit: int | None = None) -> str:
    """Left-aligned columns that fit the terminal (long cells cut in the middle); over ``limit``
    rows, the rest is counted rather than printed."""
    cut = len(rows) - limit if limit is not None and len(rows) > limit else 0
    rows = [[str(c) for c in r] for r in rows[: len(rows) - cut]]
    widths = [max(len(str(c)) for c in col) for col in zip(headers, *rows, strict=False)]
    room = shutil.get_terminal_size((120, 24)).columns - 2 - 2 * (len(widths) - 1)
    while sum(widths) > room and max(widths) > 12:
        widths[widths.index(max(widths))] -= 1
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += [
        "  ".join(_middle(c, w).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
        for r in rows
    ]
    if cut:
        lines.append(f"... and {cut} more (--all shows every row)")
    return "\n".join("  " + line for line in lines)


def _middle(text: str, width: int) -> str:
    """``text`` cut in the middle to ``width`` characters, with ``…`` where it was cut."""
    if len(text) <= width:
        return text
    head = (width - 1) // 2
    return text[:head] + "…" + text[len(text) - (width - 1 - head) :]


def _content(s3: Any, spec: str) -> str:
    """The ``--show`` text of ``BUCKET/KEY``: text as is, ``.gz`` decompressed, binary as hexdump."""
    bucket, _, key = spec.removeprefix("s3://").partition("/")
    try:
        body: bytes = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except Exception as exc:  # botocore's NoSuchKey / NoSuchBucket
        raise click.BadParameter(f"cannot read {spec!r}: {exc}", param_hint="--show") from exc
    if key.endswith(".gz") or body[:2] == b"\x1f\x8b":
        body = gzip.decompress(body)
    try:
        return body.decode("utf-8").rstrip("\n")
    except UnicodeDecodeError:
        head = body[:256]
        return "\n".join(
            f"{i:08x}  {head[i : i + 16].hex(' '):<47}  "
            + "".join(chr(b) if 32 <= b < 127 else "." for b in head[i : i + 16])
            for i in range(0, len(head), 16)
        ) + (f"\n... {len(body)} bytes in all" if len(body) > 256 else "")


def _size(n: int) -> str:
    """``9 B``, ``1.5 KB``, ``2.0 MB``."""
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n / 1024 / 1024:.1f} MB"


@click.command()
@pipeline_argument
@click.option(
    "--put",
    "puts",
    metavar="BUCKET/KEY=LOCAL_FILE",
    multiple=True,
    help="Put a local file (or every file of a directory, under BUCKET/PREFIX/) (repeatable).",
)
@click.option(
    "-s",
    "--stack",
    default=None,
    help="The stack to run as [default: the alias the functions name, else 'local'].",
)
@click.option(
    "-c",
    "--config",
    "config",
    metavar="KEY=VALUE",
    multiple=True,
    help="Stack configuration, e.g. -c jaya:batch=10 (repeatable); as in `jaya preview`.",
)
@click.option(
    "--secret",
    "secrets",
    metavar="KEY=VALUE",
    multiple=True,
    help="Secret stack configuration, e.g. --secret dbPassword=... for ConfigSecret (repeatable).",
)
@click.option("--region", default="us-east-1", show_default=True, help="The stack's aws:region.")
@click.option(
    "--retries",
    type=click.IntRange(0, 2),
    default=2,
    show_default=True,
    help="Retries of a failing S3-triggered invocation (S3's asynchronous default is 2).",
)
@click.option(
    "--fire",
    "fires",
    metavar="SCHEDULE",
    multiple=True,
    help="Run a Schedule's function once, after the puts (its node name) (repeatable).",
)
@click.option("--logs", is_flag=True, help="Print every invocation's log lines.")
@click.option(
    "--all", "show_all", is_flag=True, help=f"Print every row of every list (default: {MAX_ROWS})."
)
@click.option(
    "--show",
    "shows",
    metavar="BUCKET/KEY",
    multiple=True,
    help="Print an object's content: text, .gz decompressed, binary as a hexdump (repeatable).",
)
@click.option(
    "--rows",
    "row_count",
    type=click.IntRange(0),
    default=0,
    help="Print the first N rows of each table.",
)
def local(
    pipeline_file: str,
    pipeline_name: str | None,
    puts: tuple[str, ...],
    stack: str | None,
    config: tuple[str, ...],
    secrets: tuple[str, ...],
    region: str,
    retries: int,
    fires: tuple[str, ...],
    logs: bool,
    show_all: bool,
    shows: tuple[str, ...],
    row_count: int,
) -> None:
    """Run PIPELINE_FILE on emulated AWS with its real handler code; put files; show what landed.

    Example: jaya local examples/three_node_pipe.py --put tsa-rajiv-bucket1/a.txt=./a.txt
    """
    from jaya_pulumi.dsl import expand
    from jaya_pulumi.local import HarnessError, default_stack
    from jaya_pulumi.testing import test

    files = [item for spec in puts for item in _parse_put(spec)]
    pipeline = load_pipeline(pipeline_file, pipeline_name)
    effective = stack or default_stack(pipeline)
    names = {g.bucket_name for g in pipeline.buckets}
    names |= {expand(n, effective) for n in names}
    unknown = sorted({f.bucket for f in files} - names)
    if unknown:
        known = ", ".join(g.bucket_name for g in pipeline.buckets)
        raise click.BadParameter(
            f"bucket {unknown[0]!r} is not in pipeline {pipeline.name!r}; its buckets: {known}",
            param_hint="--put",
        )
    settings = {
        **_project_config(Path(pipeline_file), effective),
        **parse_pairs(config, "--config"),
    }
    harness = test(
        pipeline,
        stack,
        region=region,
        retries=retries,
        raise_failures=False,
        config=settings,
        secrets=parse_pairs(secrets, "--secret"),
    )
    with _missing_config_is_one_line(), harness as h:
        buckets = [h.bucket_name(g.bucket_name) for g in pipeline.buckets]
        counts = [f"{len(buckets)} bucket(s)", f"{len(pipeline.functions)} function(s)"]
        counts += [
            f"{len(found)} {what}"
            for found, what in (
                (pipeline.firehoses, "Firehose stream(s)"),
                (pipeline.tables, "table(s)"),
                (pipeline.warehouses, "Redshift Serverless warehouse(s)"),
            )
            if found
        ]
        deployed = (
            f"Deployed {pipeline.name!r} as stack {h.stack!r} on the local harness: "
            f"{', '.join(counts)}."
        )
        s3 = h.client("s3")
        progress = _Progress(len(files), sys.stdout) if len(files) >= PROGRESS_THRESHOLD else None
        put_by_you: set[str] = set()
        for done, item in enumerate(files, start=1):
            bucket = h.bucket_name(item.bucket)
            _put(s3, bucket, item, alone=progress is None)
            put_by_you.add(f"s3://{bucket}/{item.key}")
            if progress is not None:
                progress.update(done)
        for schedule in fires:
            try:
                h.fire(schedule)
            except HarnessError as exc:
                raise click.BadParameter(str(exc), param_hint="--fire") from None
        tables: list[list[str]] = []
        table_rows: dict[str, list[dict[str, Any]]] = {}
        rejected = 0
        quarantined = len(h.rejected())
        if pipeline.tables:
            h.flush()  # deliver what Firehose buffers now, rather than at the interval
            table_rows = {t.key: h.rows(t) for t in pipeline.tables}
            tables = [[key, str(len(found))] for key, found in table_rows.items()]
            rejected = len(h.firehose.error_records())
        invocations = h.invocations()
        landed = _landed(
            s3, [*buckets, *(h.bucket_name(f.holding_bucket) for f in pipeline.firehoses)]
        )
        shown = [(spec, _content(s3, spec)) for spec in shows]
        queues = _queue_rows(h.queues(), h.account.on_failure)

    ok = sum(1 for i in invocations if i.ok)
    written = sum(1 for url, _ in landed if url not in put_by_you)
    loaded = sum(int(n) for _, n in tables)
    click.echo(
        f"{len(files)} file(s) put, {ok} invocation(s) ok, {len(invocations) - ok} failed, "
        f"{written} object(s) written, {loaded} row(s) loaded, "
        f"{rejected + quarantined} line(s) rejected."
    )
    click.echo(deployed)
    limit = None if show_all else MAX_ROWS

    writers = {w: i.function for i in invocations if i.ok for w in i.writes}
    if files and limit is not None and len(files) > limit:
        click.echo(f"\nPut {len(files)} file(s) (--all lists them).")
    elif files:
        click.echo(f"\nPut {len(files)} file(s):")
        click.echo(
            _table(
                ["OBJECT", "SIZE", "FROM"],
                [
                    [
                        f"s3://{h.bucket_name(f.bucket)}/{f.key}",
                        _size(f.path.stat().st_size),
                        str(f.path),
                    ]
                    for f in files
                ],
                limit,
            )
        )
    listed = invocations
    if limit is not None and len(invocations) > limit:
        listed = [i for i in invocations if not i.ok]
        click.echo(
            f"\nInvocations ({len(invocations)}, {len(listed)} failed; --all lists them all):"
        )
    else:
        click.echo(f"\nInvocations ({len(invocations)}):")
    if listed:
        click.echo(
            _table(
                ["FUNCTION", "EVENT", "TRY", "RESULT", "MS", "WROTE"],
                [
                    [
                        i.function,
                        ", ".join(i.keys) or "-",
                        str(i.attempt),
                        _outcome(i),
                        f"{i.duration * 1000:.1f}",
                        ", ".join(i.writes) or "-",
                    ]
                    for i in listed
                ],
                limit,
            )
        )
    elif not invocations:
        click.echo("  none (nothing was put, or no trigger matched)")
    click.echo("\nObjects in the pipeline's buckets:")
    rows = [
        [
            url,
            _size(size),
            "put by you" if url in put_by_you else f"written by {writers.get(url, 'Firehose')}",
        ]
        for url, size in landed
    ]
    click.echo(_table(["OBJECT", "SIZE", "HOW"], rows, limit) if rows else "  none")
    if queues:
        click.echo("\nQueues (messages waiting, in flight, and dead letters):")
        click.echo(_table(["QUEUE", "HOLDS", "WAITING", "IN FLIGHT"], queues, limit))
    if tables:
        click.echo("\nRows in the pipeline's tables (local PostgreSQL):")
        click.echo(_table(["TABLE", "ROWS"], tables))
        if rejected:
            click.echo(
                f"  {rejected} record(s) did not fit their table: see the streams' errors/ prefix"
            )
        for key, found in table_rows.items() if row_count else ():
            click.echo(f"\nFirst {min(row_count, len(found))} row(s) of {key}:")
            columns = list(found[0]) if found else []
            click.echo(
                _table(columns, [[str(r[c]) for c in columns] for r in found[:row_count]])
                if found
                else "  none"
            )
    for spec, text in shown:
        click.echo(f"\n{spec}:")
        click.echo(text)
    if logs:
        for i in invocations:
            click.echo(f"\nLogs of {i.function} (try {i.attempt}, request {i.request_id}):")
            click.echo("\n".join(f"  {line}" for line in i.logs) or "  (none)")
    failures = h.failures
    if failures:
        for f in failures:
            click.echo(
                f"\n{f.function} failed on {', '.join(f.keys)} after {f.attempt} attempt(s):\n"
                f"{f.traceback}",
                err=True,
            )
        raise click.ClickException(f"{len(failures)} event(s) failed; see the tracebacks above.")


def _outcome(invocation: Any) -> str:
    """``ok``, the error, or how many messages of an SQS batch the function reported failed."""
    if not invocation.ok:
        return f"{type(invocation.error).__name__}: {invocation.error}"[:80]
    result = invocation.result
    failed = result.get("batchItemFailures") if isinstance(result, dict) else None
    if failed:
        return f"ok, {len(failed)} of {len(invocation.event.get('Records', []))} messages failed"
    return "ok"


def _queue_rows(queues: Sequence[dict[str, Any]], on_failure: dict[str, str]) -> list[list[str]]:
    """Rows of the queues table: every queue, unless the only queues are empty failure queues.

    A queue's ``HOLDS`` says what its messages are: a pipeline queue's messages, the dead letters
    of a queue (its redrive target), or the failed events of a function (its on-failure queue).
    """
    failed_of = {arn.rsplit(":", 1)[-1]: fn for fn, arn in on_failure.items()}
    dead_of = {q["dead_letter_queue"]: q["name"] for q in queues if q["dead_letter_queue"]}
    rows = []
    for q in queues:
        name = q["name"]
        holds = (
            f"dead letters of {dead_of[name]}"
            if name in dead_of
            else f"failed events of {failed_of[name]}"
            if name in failed_of
            else "messages"
        )
        rows.append([name, holds, str(q["waiting"]), str(q["in_flight"])])
    busy = any(q["waiting"] or q["in_flight"] for q in queues)
    return rows if busy or any(q["name"] not in failed_of for q in queues) else []


def _landed(s3: Any, buckets: Sequence[str]) -> list[tuple[str, int]]:
    """``(s3://bucket/key, size)`` of every object in ``buckets``."""
    out: list[tuple[str, int]] = []
    for bucket in dict.fromkeys(buckets):
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            out += [(f"s3://{bucket}/{o['Key']}", int(o["Size"])) for o in page.get("Contents", [])]
    return out


def _project_config(file: Path, stack: str) -> dict[str, Any]:
    """Plain values of ``Pulumi.<stack>.yaml`` when ``file`` sits in a Pulumi project, else ``{}``.

    Keys in the project's namespace are moved to ``jaya:`` (the namespace the harness runs in);
    encrypted (``secure:``) values cannot be read locally and are left to ``--secret``.
    """
    import yaml

    for folder in file.resolve().parents:
        if not (folder / "Pulumi.yaml").is_file():
            continue
        project = (yaml.safe_load((folder / "Pulumi.yaml").read_text(encoding="utf-8")) or {}).get(
            "name", "jaya"
        )
        path = folder / f"Pulumi.{stack}.yaml"
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None
        raw = (doc or {}).get("config") or {}
        out: dict[str, Any] = {}
        for key, value in raw.items():
            if isinstance(value, dict) and "secure" in value:
                continue
            namespace, _, name = str(key).rpartition(":")
            out[f"jaya:{name}" if namespace in ("", project) else str(key)] = value
        return out
    return {}


@contextlib.contextmanager
def _missing_config_is_one_line() -> Iterator[None]:
    """Turn a missing config value (``ConfigSecret("dbPassword")``, say) into one line naming the flag."""
    try:
        yield
    except Exception as exc:
        cause: BaseException | None = exc
        while cause is not None:
            found = re.search(r"Missing required configuration variable '([^']+)'", str(cause))
            if found:
                name = found.group(1).rpartition(":")[2]
                raise click.ClickException(
                    f"config value {found.group(1)!r} is not set: pass --secret {name}=... "
                    f"(or -c {name}=... if it is not secret)."
                ) from None
            cause = cause.__cause__ or cause.__context__
        raise
