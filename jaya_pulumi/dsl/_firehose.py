"""Nodes of the seed's Redshift pipeline: ``MapS3ToFirehoseLambda`` and ``Firehose`` (``Table``: ``_table.py``).

``source_s3 >> mapper >> a_firehose >> a_table``: the mapper streams each new object line by line
through the user's ``map_function`` and sends the records to delivery streams; each stream buffers
them into its holding bucket and loads them into its table with ``COPY``.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from jaya_pulumi.dsl._chain import Node
from jaya_pulumi.dsl._function import AWSLambda, HandlerRef, check_settings, check_signature
from jaya_pulumi.dsl._s3 import STACK_PLACEHOLDER, check_region, validate_bucket_name
from jaya_pulumi.dsl._table import Table, check_secret
from jaya_pulumi.dsl._warehouse import WarehouseRef
from jaya_pulumi.errors import PipelineDefinitionError, warn_once

__all__ = [
    "BAD_LINES",
    "DATETIME_COPY_OPTIONS",
    "DEFAULT_COPY_OPTIONS",
    "QUARANTINE_PREFIX",
    "Firehose",
    "MapS3ToFirehoseLambda",
]

BAD_LINES: tuple[str, ...] = ("quarantine", "fail")
"""What ``MapS3ToFirehoseLambda(bad_lines=...)`` accepts."""
QUARANTINE_PREFIX = "quarantine/"
"""Where, in the holding bucket of a mapper's first Firehose, its bad lines go (then its name)."""
DEFAULT_COPY_OPTIONS = "JSON 'auto' GZIP"
DATETIME_COPY_OPTIONS = "TIMEFORMAT 'auto' DATEFORMAT 'auto'"
"""Added to the default COPY options when the table has TIMESTAMP, TIMESTAMPTZ or DATE columns."""
_DATETIME_TYPES = frozenset({"TIMESTAMP", "TIMESTAMPTZ", "DATE"})
"""COPY options Firehose passes to Redshift by default: JSON records matched to columns by name."""
MAX_BATCH = 500
"""``PutRecordBatch`` takes at most this many records per call."""

_STREAM_NAME = re.compile(r"^[a-zA-Z0-9_.-]{1,64}$")
_ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")


class MapS3ToFirehoseLambda(AWSLambda):
    """Streams each new S3 object through ``map_function`` and sends the records to Firehose.

    :param open_function: opens the object's streaming body for line-by-line reading
        (``gzip.open`` by default; ``lambda body: body`` for plain text).
    :param map_function: ``map_function(line, bucket, key)`` returns a list of
        ``{"firehose_name": name, "result": [record, ...]}``; ``name`` is a downstream
        ``Firehose``'s ``firehose_name``.
    :param batch_size: records per ``PutRecordBatch`` call, at most 500.
    :param memory: memory in MB.
    :param timeout: timeout in seconds.
    :param region_name: the function's region; ``None`` means the stack's.
    :param alias: must equal the stack name when given.
    :param name: the node's name (default ``map-to-firehose``, numbered when there are several).
    :param bad_lines: ``"quarantine"`` (default): a line whose decoding, mapping or encoding
        raises, and an object that cannot be read, is written to the quarantine location
        (``quarantine/<node name>/`` in the holding bucket of the first downstream Firehose) and
        the rest of the object goes on; ``"fail"``: the invocation fails, as S3 then retries it.
    """

    def __init__(
        self,
        open_function: Callable[[Any], Any] = gzip.open,
        map_function: Callable[[Any, str, str], Any] | None = None,
        batch_size: int = 499,
        memory: int = 1536,
        timeout: int = 300,
        region_name: str | None = None,
        alias: str | None = None,
        *,
        name: str | None = None,
        bad_lines: str = "quarantine",
        **settings: Any,
    ) -> None:
        check_settings(
            "MapS3ToFirehoseLambda",
            settings,
            ("open_function", "map_function", "batch_size", "name", "bad_lines"),
        )
        if bad_lines not in BAD_LINES:
            raise PipelineDefinitionError(
                f"bad_lines={bad_lines!r} of MapS3ToFirehoseLambda is not one of "
                f"{', '.join(map(repr, BAD_LINES))}: 'quarantine' keeps the rest of an object "
                "when one line fails, 'fail' fails the invocation."
            )
        if map_function is None or not callable(map_function):
            raise PipelineDefinitionError(
                "MapS3ToFirehoseLambda needs map_function=f where f(line, bucket, key) returns "
                "[{'firehose_name': ..., 'result': [records]}]."
            )
        check_signature(map_function, ("line", "bucket", "key"), "map_function")
        if not callable(open_function):
            raise PipelineDefinitionError(
                f"open_function of MapS3ToFirehoseLambda must be callable (e.g. gzip.open), "
                f"got {open_function!r}."
            )
        if (
            isinstance(batch_size, bool)
            or not isinstance(batch_size, int)
            or not 1 <= batch_size <= MAX_BATCH
        ):
            raise PipelineDefinitionError(
                f"batch_size={batch_size!r} of MapS3ToFirehoseLambda is out of range: Firehose's "
                f"PutRecordBatch takes 1 to {MAX_BATCH} records per call."
            )
        self.auto_named = name is None
        self.map_function: Callable[[Any, str, str], Any] = map_function
        """The user's mapper."""
        self.open_function: Callable[[Any], Any] = open_function
        """How the object's body is opened."""
        self.batch_size: int = batch_size
        """Records per ``PutRecordBatch`` call."""
        self.bad_lines: str = bad_lines
        """``"quarantine"`` or ``"fail"``: what a line that cannot be mapped does."""
        super().__init__(
            name or "map-to-firehose",
            HandlerRef(
                "jaya_pulumi.runtime.firehose:handler",
                {
                    "open_function": open_function,
                    "map_function": map_function,
                    "batch_size": batch_size,
                    "bad_lines": bad_lines,
                },
            ),
            region_name,
            memory=memory,
            timeout=timeout,
            alias=alias,
            description=settings.pop("description", "Maps S3 objects to Firehose (jaya_pulumi)"),
            **settings,
        )


def _check_reachable(where: str, table: Table, region: str | None) -> None:
    """Refuse a table in a ``RedshiftServerless`` that a stream in ``region`` cannot reach.

    The warehouse must have a public endpoint, and be in the stream's region: its ingress rule
    admits the Firehose address block of its own region only.

    :raises PipelineDefinitionError: naming the stream, the table and the warehouse.
    """
    ref = table.db_conf.get("workgroup")
    if not isinstance(ref, WarehouseRef):
        return
    warehouse = ref.warehouse
    if not warehouse.publicly_accessible:
        raise PipelineDefinitionError(
            f"{where} cannot load {table.label}: {warehouse.label} has "
            "publicly_accessible=False, and Firehose reaches Redshift only over a public "
            "endpoint. Leave publicly_accessible=True (the ingress rule admits only Firehose's "
            "address block), or load the table some other way."
        )
    if region is not None and warehouse.region_name not in (None, region):
        raise PipelineDefinitionError(
            f"{where} cannot load {table.label}: the stream is in {region!r} and "
            f"{warehouse.label} in {warehouse.region_name!r}, whose ingress rule admits only "
            f"Firehose's address block in {warehouse.region_name!r}. Drop region_name (the "
            "stream then takes the warehouse's region) or put both in one region."
        )


def _check_stream_name(firehose_name: object) -> None:
    if not isinstance(firehose_name, str) or not _STREAM_NAME.match(
        firehose_name.replace(STACK_PLACEHOLDER, "x")
    ):
        raise PipelineDefinitionError(
            f"Firehose name {firehose_name!r} must be 1 to 64 letters, digits, '.', '_' or '-'."
        )


class Firehose(Node):
    """A Kinesis Data Firehose delivery stream that loads a Redshift table with ``COPY``.

    Arguments follow the seed: ``Firehose(firehose_name, database_name, user_name, user_password,
    server_address, table_name, holding_bucket, role_name, prefix=..., buffering_interval_seconds=...)``.
    :meth:`for_table` builds one from the table's own ``db_conf`` instead, and with a Secrets
    Manager secret (a Serverless workgroup, or a cluster) no user or password is on the stream.

    :param firehose_name: the stream's name (``{stack}`` expands); mappers route records by it.
    :param database_name: the Redshift database.
    :param user_name: the database user Firehose runs ``COPY`` as.
    :param user_password: that user's password: a string, a ``pulumi.Output`` or
        ``ConfigSecret("key")``; always stored as a Pulumi secret.
    :param server_address: the cluster endpoint, ``host`` or ``host:port``.
    :param table_name: the table it loads; must be the ``Table`` it feeds.
    :param holding_bucket: the intermediate bucket Firehose stages records in.
    :param role_name: the name of the delivery role jaya_pulumi creates (least privilege).
    :param prefix: key prefix in the holding bucket.
    :param buffering_interval_seconds: flush at least this often, 0 to 900.
    :param buffering_size_mb: flush when this much is buffered, 1 to 128.
    :param copy_options: ``COPY`` options; GZIP in them turns on GZIP staging. ``None`` (the
        default) means ``JSON 'auto' GZIP``, plus ``TIMEFORMAT 'auto' DATEFORMAT 'auto'`` when
        the table has ``TIMESTAMP``, ``TIMESTAMPTZ`` or ``DATE`` columns (ISO 8601 then loads).
    :param columns: columns COPY loads (default: all of the table's).
    :param region_name: the stream's region; ``None`` means the stack's.
    """

    kind: ClassVar[str] = "Firehose"

    def __init__(
        self,
        firehose_name: str,
        database_name: str,
        user_name: str,
        user_password: object,
        server_address: str,
        table_name: str,
        holding_bucket: str,
        role_name: str,
        prefix: str | None = None,
        buffering_interval_seconds: int = 300,
        buffering_size_mb: int = 5,
        copy_options: str | None = None,
        *,
        columns: Sequence[str] | None = None,
        region_name: str | None = None,
    ) -> None:
        _check_stream_name(firehose_name)
        self.firehose_name: str = firehose_name
        """The stream's name as written (mappers route records by it)."""
        for what, value in (
            ("database_name", database_name),
            ("user_name", user_name),
        ):
            if not isinstance(value, str) or not value:
                raise PipelineDefinitionError(
                    f"{what} of Firehose({firehose_name!r}) must be a non-empty string."
                )
        self.database_name: str = database_name
        """The Redshift database."""
        self.user_name: str | None = user_name
        """The database user COPY runs as (``None``: the secret's, see :meth:`for_table`)."""
        self.user_password: object | None = check_secret(
            user_password, f"user_password of Firehose({firehose_name!r})"
        )
        """The password: a string, a ``pulumi.Output`` or a :class:`ConfigSecret` (``None``
        with a Secrets Manager secret)."""
        if not isinstance(server_address, str) or not server_address or "/" in server_address:
            raise PipelineDefinitionError(
                f"server_address of Firehose({firehose_name!r}) must be the cluster endpoint, "
                f"host or host:port, got {server_address!r}."
            )
        host, _, port = server_address.partition(":")
        if port and not port.isdigit():
            raise PipelineDefinitionError(
                f"server_address {server_address!r} of Firehose({firehose_name!r}) has a "
                "non-numeric port."
            )
        self.host: str | None = host
        """The cluster host (``None``: the workgroup's or cluster's, resolved at deploy time)."""
        self.port: int | None = int(port) if port else 5439
        """The cluster port (``None``: resolved at deploy time with the host)."""
        self.table: Table | None = None
        """The table given to :meth:`for_table`, or ``None`` (the seed's positional form)."""
        self.db_conf: dict[str, Any] | None = None
        """The table's ``db_conf`` when built with :meth:`for_table`."""
        self.form: str = "password"
        """How the stream logs in: ``password`` (user and password) or ``serverless`` /
        ``cluster-secret`` (a Secrets Manager secret, with :meth:`for_table`)."""
        self._configure(
            firehose_name,
            table_name,
            holding_bucket,
            role_name,
            prefix,
            buffering_interval_seconds,
            buffering_size_mb,
            copy_options,
            columns,
            region_name,
        )

    def _configure(
        self,
        firehose_name: str,
        table_name: str,
        holding_bucket: str,
        role_name: str,
        prefix: str | None,
        buffering_interval_seconds: int,
        buffering_size_mb: int,
        copy_options: str | None,
        columns: Sequence[str] | None,
        region_name: str | None,
    ) -> None:
        """Check and keep what every stream has, whatever its connection."""
        if not isinstance(table_name, str) or not table_name:
            raise PipelineDefinitionError(
                f"table_name of Firehose({firehose_name!r}) must be a non-empty string."
            )
        self.table_name: str = table_name
        """The table it loads."""
        validate_bucket_name(holding_bucket, what=f"holding bucket of Firehose({firehose_name!r})")
        self.holding_bucket: str = holding_bucket
        """The intermediate bucket's name."""
        if not isinstance(role_name, str) or not _ROLE_NAME.match(
            role_name.replace(STACK_PLACEHOLDER, "x")
        ):
            raise PipelineDefinitionError(
                f"role_name {role_name!r} of Firehose({firehose_name!r}) must be 1 to 64 letters, "
                "digits or +=,.@_- (an IAM role name; jaya_pulumi creates the role)."
            )
        self.role_name: str = role_name
        """The delivery role's name."""
        self.prefix: str = prefix or ""
        """Key prefix in the holding bucket."""
        if self.prefix and not self.prefix.endswith(("/", "-", "_")):
            warn_once(
                f"Firehose({firehose_name!r}) prefix {self.prefix!r} does not end with '/': Firehose "
                f"uses it verbatim, so staged keys read like '{self.prefix}2026/11/25/...'. Write "
                f"prefix={self.prefix + '/'!r} if you meant a folder.",
                stacklevel=2,
            )
        if self.prefix.startswith("/"):
            raise PipelineDefinitionError(
                f"prefix {prefix!r} of Firehose({firehose_name!r}) must not start with '/'."
            )
        if (
            isinstance(buffering_interval_seconds, bool)
            or not isinstance(buffering_interval_seconds, int)
            or not 0 <= buffering_interval_seconds <= 900
        ):
            raise PipelineDefinitionError(
                f"buffering_interval_seconds={buffering_interval_seconds!r} of Firehose({firehose_name!r}) "
                "must be 0 to 900."
            )
        self.buffering_interval_seconds: int = buffering_interval_seconds
        """Flush at least this often."""
        if (
            isinstance(buffering_size_mb, bool)
            or not isinstance(buffering_size_mb, int)
            or not 1 <= buffering_size_mb <= 128
        ):
            raise PipelineDefinitionError(
                f"buffering_size_mb={buffering_size_mb!r} of Firehose({firehose_name!r}) must be 1 to 128."
            )
        self.buffering_size_mb: int = buffering_size_mb
        """Flush when this much is buffered."""
        if copy_options is not None and not isinstance(copy_options, str):
            raise PipelineDefinitionError(
                f"copy_options of Firehose({firehose_name!r}) must be a string."
            )
        self.copy_options_given: bool = copy_options is not None
        """True when the user wrote ``copy_options``; they are then used exactly as given."""
        self.copy_options: str = DEFAULT_COPY_OPTIONS if copy_options is None else copy_options
        """COPY options as given, or the default (see :meth:`copy_options_for`)."""
        self.columns: tuple[str, ...] | None = tuple(columns) if columns is not None else None
        """Columns COPY loads, or ``None`` for all of the table's."""
        self.region_name: str | None = check_region(region_name)
        """The stream's region, or ``None`` for the stack's."""

    @classmethod
    def for_table(
        cls,
        table: Table,
        firehose_name: str,
        holding_bucket: str,
        role_name: str,
        prefix: str | None = None,
        buffering_interval_seconds: int = 300,
        buffering_size_mb: int = 5,
        copy_options: str | None = None,
        *,
        columns: Sequence[str] | None = None,
        region_name: str | None = None,
    ) -> Firehose:
        """A stream that loads ``table``, connected with the table's own ``db_conf``.

        With a ``secret-arn`` (a Serverless workgroup, or a cluster), the stream logs in with
        that Secrets Manager secret: no user or password is on the stream, and its role may read
        that secret only. The workgroup's or cluster's endpoint is looked up at deploy time for the
        JDBC URL. The seed's form and ``url`` give the stream their user and password.

        :param table: the ``Table`` the stream loads (write ``stream >> table``).
        :param firehose_name: the stream's name (``{stack}`` expands).
        :param holding_bucket: the intermediate bucket Firehose stages records in.
        :param role_name: the name of the delivery role jaya_pulumi creates.
        :param prefix: key prefix in the holding bucket.
        :param buffering_interval_seconds: flush at least this often, 0 to 900.
        :param buffering_size_mb: flush when this much is buffered, 1 to 128.
        :param copy_options: ``COPY`` options (see :class:`Firehose`).
        :param columns: columns COPY loads (default: all of the table's).
        :param region_name: the stream's region; ``None``: the table's ``db_conf`` ``region``,
            else the stack's.
        :raises PipelineDefinitionError: ``table`` is not a Table, or its ``db_conf`` logs in with
            IAM temporary credentials (``db-user`` with ``cluster``), which Firehose cannot use,
            or it lives in a ``RedshiftServerless(..., publicly_accessible=False)``, which
            Firehose cannot reach.
        """
        _check_stream_name(firehose_name)
        where = f"Firehose.for_table(..., {firehose_name!r}, ...)"
        if not isinstance(table, Table):
            raise PipelineDefinitionError(
                f"{where} takes the Table it loads first, got {type(table).__name__}; write "
                f"Firehose.for_table(events_table, {firehose_name!r}, holding_bucket, role_name)."
            )
        conf = table.db_conf
        form = table.form
        region = region_name if region_name is not None else conf.get("region")
        common: dict[str, Any] = {
            "prefix": prefix,
            "buffering_interval_seconds": buffering_interval_seconds,
            "buffering_size_mb": buffering_size_mb,
            "copy_options": copy_options,
            "columns": columns,
            "region_name": region,
        }
        if form == "cluster-iam":
            raise PipelineDefinitionError(
                f"{where} cannot load {table.label}: its db_conf logs in as 'db-user' with IAM "
                "temporary credentials, and Firehose logs in only with a password or a Secrets "
                "Manager secret. Give the table's db_conf 'secret-arn' instead of 'db-user'."
            )
        if form in ("password", "url"):
            if form == "url":
                from jaya_pulumi.redshift.connection import ConnectionSettings

                settings = ConnectionSettings.from_url(str(conf["url"]))
                database, user = settings.database, settings.user
                password = conf.get("db-passwd", settings.password)
                server = f"{settings.host}:{settings.port}"
            else:
                database, user = str(conf["db-name"]), str(conf["db-user"])
                password, server = conf["db-passwd"], str(conf["db-server"])
            if not password:
                raise PipelineDefinitionError(
                    f"{where}: the url of {table.label} has no password, and Firehose logs in "
                    "with one; add it to the URL or as db_conf['db-passwd']."
                )
            stream = cls(
                firehose_name,
                database,
                user,
                password,
                server,
                table.table_name,
                holding_bucket,
                role_name,
                **common,
            )
        else:
            _check_reachable(where, table, region)
            database_name = conf["db-name"]
            if not isinstance(database_name, str) or not database_name:
                raise PipelineDefinitionError(
                    f"{where}: db_conf['db-name'] of {table.label} must be a non-empty string "
                    "(it is part of the stream's JDBC URL)."
                )
            stream = cls.__new__(cls)
            stream.firehose_name = firehose_name
            stream.database_name = database_name
            stream.user_name = None
            stream.user_password = None
            stream.host = None
            stream.port = None
            stream._configure(
                firehose_name,
                table.table_name,
                holding_bucket,
                role_name,
                prefix,
                buffering_interval_seconds,
                buffering_size_mb,
                copy_options,
                columns,
                region,
            )
        stream.table = table
        stream.db_conf = dict(conf)
        stream.form = form
        return stream

    @property
    def secret_arn(self) -> object | None:
        """The Secrets Manager secret the stream logs in with (a string, a ``pulumi.Output`` or
        a ``RedshiftServerless`` value), or ``None`` when it has a user and password."""
        if self.db_conf is None or self.form in ("password", "url"):
            return None
        return self.db_conf.get("secret-arn")

    @property
    def key(self) -> str:
        """The stream's name."""
        return self.firehose_name

    def copy_options_for(self, table: Table) -> str:
        """The COPY options the stream uses to load ``table``.

        Given options are used as written. The default gains ``TIMEFORMAT 'auto' DATEFORMAT
        'auto'`` when ``table`` has a ``TIMESTAMP``, ``TIMESTAMPTZ`` or ``DATE`` column.
        """
        if self.copy_options_given:
            return self.copy_options
        if any(column.type in _DATETIME_TYPES for column in table.spec.columns):
            return f"{self.copy_options} {DATETIME_COPY_OPTIONS}"
        return self.copy_options

    @property
    def gzip(self) -> bool:
        """True when the staged objects are gzip-compressed (``GZIP`` in the COPY options)."""
        return "GZIP" in self.copy_options.upper().split()
