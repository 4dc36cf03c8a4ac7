"""Firehose's API in the harness: streams created from the program, handler calls routed.

Each ``FirehoseDeliveryStream`` with a Redshift destination is created in moto and in a
:class:`~jaya_pulumi.local.firehose.emulator.FirehoseEmulator`, which receives every
``PutRecordBatch`` and ``PutRecord`` made through boto3 while the harness runs (see that module for
what is emulated) and loads the tables of the harness's
:class:`~jaya_pulumi.local.redshift.database.LocalRedshift`. IAM checks a handler's call before it
gets here (the sandbox's guard, ``local/iam.py``), so a missing Lambda -> Firehose edge is an
``AccessDeniedException`` locally too. A delivery runs with the stream's role, as on AWS: its S3
writes go through the same guard, and a stream that logs in with a Secrets Manager secret needs
``secretsmanager:GetSecretValue`` on it; a delivery the role cannot make fails
(:class:`~jaya_pulumi.local.errors.FirehoseDeliveryError` at ``h.check()``/``h.flush()``).

The service's limits and a stream's settings live in :mod:`~jaya_pulumi.local.firehose.settings`
(re-exported here). Firehose knows Redshift (it loads the tables); Redshift knows nothing of
Firehose.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError

from jaya_pulumi.local.firehose.emulator import FirehoseEmulator
from jaya_pulumi.local.firehose.settings import (
    MAX_BYTES_PER_CALL,
    MAX_RECORD_BYTES,
    MAX_RECORDS_PER_CALL,
    MIB,
    StreamSettings,
    client_error,
)
from jaya_pulumi.local.iam import access_denied, answer
from jaya_pulumi.mocks import unwrap_secrets as _unwrap_secrets

if TYPE_CHECKING:
    from pulumi.runtime import MockResourceArgs

    from jaya_pulumi.local._account import Account
    from jaya_pulumi.local.redshift.database import LocalRedshift

__all__ = [
    "FULL_PARAMS",
    "MAX_BYTES_PER_CALL",
    "MAX_RECORDS_PER_CALL",
    "MAX_RECORD_BYTES",
    "MIB",
    "LocalFirehose",
    "StreamSettings",
    "client_error",
]

_ANSWERED = frozenset({"PutRecordBatch", "PutRecord"})


FULL_PARAMS = "jaya_firehose_params"
"""Where :meth:`LocalFirehose.remember` keeps a call's parameters whole (botocore validates a copy
cut to one record)."""


class LocalFirehose:
    """The delivery streams of one harness, loading the tables of its local Redshift.

    :param account_id: the emulated account.
    :param redshift: the harness's database, whose tables the streams' COPY loads.
    :param account: the local account whose role policies each delivery is checked against.
    """

    def __init__(
        self, account_id: str, redshift: LocalRedshift, account: Account | None = None
    ) -> None:
        self.account_id = account_id
        """The emulated account."""
        self.account = account
        """The local account whose policies check each delivery's role (``None``: unchecked)."""
        self._roles: dict[str, tuple[str, str | None]] = {}
        """Each stream's delivery role name and the secret ARN it logs in with, if any."""
        self.redshift = redshift
        """The database COPY loads."""
        self.emulator: FirehoseEmulator | None = None
        """The Firehose emulator, once the program declares a stream."""

    def close(self) -> None:
        """Deliver what the streams still buffer (before the database is dropped)."""
        if self.emulator is not None:
            self.emulator.close()

    def create_stream(
        self, args: MockResourceArgs, state: Mapping[str, Any], s3: Any, firehose: Any
    ) -> None:
        """Create a Redshift-destination stream in moto and in the emulator.

        :raises ValueError: when its COPY loads a table the program did not create.
        """
        inputs = _unwrap_secrets(dict(args.inputs))
        redshift = inputs.get("redshiftConfiguration") or {}
        table_name = str(redshift.get("dataTableName") or "")
        spec = self.redshift.tables.get(table_name)
        if spec is None:
            known = ", ".join(sorted(self.redshift.tables)) or "none"
            raise ValueError(
                f"its COPY loads table {table_name!r}, which the program did not create "
                f"(tables: {known}); the harness loads only tables the pipeline declares"
            )
        settings = StreamSettings.from_inputs(inputs, arn=str(state["arn"]), table=spec)
        if self.emulator is None:
            self.emulator = FirehoseEmulator(
                s3,
                connect=self.redshift.connect,
                account_id=self.account_id,
                acting_as=self._acting_as,
            )
        self.emulator.create_stream(settings)  # checks the COPY options first
        secret = redshift.get("secretsManagerConfiguration") or {}
        self._roles[settings.name] = (
            str(redshift.get("roleArn") or "").rpartition("/")[2],
            str(secret.get("secretArn")) if secret.get("enabled") else None,
        )
        s3_conf = redshift.get("s3Configuration") or {}
        copy_command = {"DataTableName": table_name, "CopyOptions": settings.copy_options}
        if redshift.get("dataTableColumns"):
            copy_command["DataTableColumns"] = str(redshift["dataTableColumns"])
        firehose.create_delivery_stream(
            DeliveryStreamName=settings.name,
            DeliveryStreamType="DirectPut",
            RedshiftDestinationConfiguration={
                "RoleARN": str(redshift.get("roleArn")),
                "ClusterJDBCURL": str(redshift.get("clusterJdbcurl")),
                "CopyCommand": copy_command,
                **self._credentials(redshift),
                "S3Configuration": {
                    "RoleARN": str(s3_conf.get("roleArn") or redshift.get("roleArn")),
                    "BucketARN": str(s3_conf.get("bucketArn")),
                    "Prefix": settings.prefix,
                    "ErrorOutputPrefix": settings.error_prefix,
                    "BufferingHints": {
                        "IntervalInSeconds": settings.buffering_interval,
                        "SizeInMBs": settings.buffering_size_mb,
                    },
                    "CompressionFormat": settings.compression,
                },
            },
        )

    @contextmanager
    def _acting_as(self, settings: StreamSettings) -> Iterator[None]:
        """One delivery's calls, made with the stream's role: the secret Firehose reads to log
        in (checked here: the emulation reads no secret), then its S3 writes (the guard's)."""
        role, secret = self._roles.get(settings.name, ("", None))
        if self.account is None or not role:
            yield
            return
        with self.account.as_role(role, "Firehose"):
            action = "secretsmanager:GetSecretValue"
            if secret and self.account.policies.compiled(role).decide(action, secret) is not True:
                _, parsed = access_denied(
                    "secretsmanager", "GetSecretValue", self.account_id, f"{role}/Firehose",
                    action, secret,
                )  # fmt: skip
                raise ClientError(parsed, "GetSecretValue")  # type: ignore[arg-type]
            yield

    def _credentials(self, redshift: Mapping[str, Any]) -> dict[str, Any]:
        """Username and password, or the Secrets Manager secret (created in moto, as AWS needs
        it to exist) when the stream has ``secretsManagerConfiguration``."""
        secret = redshift.get("secretsManagerConfiguration") or {}
        if not secret.get("enabled"):
            return {
                "Username": str(redshift.get("username")),
                "Password": str(redshift.get("password")),
            }
        arn = str(secret.get("secretArn") or "")
        self.redshift.data_api.add_secret(arn)
        conf: dict[str, Any] = {"Enabled": True, "SecretARN": arn}
        if secret.get("roleArn"):
            conf["RoleARN"] = str(secret["roleArn"])
        return {"SecretsManagerConfiguration": conf}

    def remember(
        self, params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any
    ) -> None:
        """botocore's ``before-parameter-build.firehose`` hook: keep the call's parameters.

        :meth:`call` answers from them in ``before-call``. A ``PutRecordBatch`` to an emulated
        stream whose records are all plain ``{"Data": bytes | str}`` (what botocore accepts
        without a doubt) has botocore validate and serialise its first record only: the request
        is never sent, and encoding every record in base64 cost more than the runtime's own work.
        Any other shape goes through botocore's validation whole, with its
        ``ParamValidationError``.
        """
        context[FULL_PARAMS] = dict(params)
        records = params.get("Records")
        if (
            model.name == "PutRecordBatch"
            and self.emulator is not None
            and isinstance(records, list)
            and len(records) > 1
            and str(params.get("DeliveryStreamName", "")).split("/")[-1] in self.emulator.streams
            and _plain(records)
        ):
            params["Records"] = records[:1]

    def call(
        self, operation: str, params: Mapping[str, Any]
    ) -> tuple[AWSResponse, dict[str, Any]] | None:
        """Answer a Firehose ``PutRecordBatch``/``PutRecord`` call, or ``None`` to let moto answer.

        IAM has allowed the call already (the sandbox's guard runs first).
        """
        emulator = self.emulator
        name = str(params.get("DeliveryStreamName", ""))
        if (
            emulator is None
            or operation not in _ANSWERED
            or name.split("/")[-1] not in emulator.streams
        ):
            return None
        try:
            if operation == "PutRecordBatch":
                parsed = emulator.put_record_batch(name, params.get("Records") or [])
            else:
                parsed = emulator.put_record(name, params.get("Record") or {})
        except ClientError as exc:
            return answer("firehose", 400, {"Error": dict(exc.response.get("Error", {}))})
        return answer("firehose", 200, parsed)


def _plain(records: list[Any]) -> bool:
    """Records botocore's validation accepts for sure: dicts with only ``Data``, bytes or str."""
    if set(map(type, records)) != {dict} or set(map(len, records)) != {1}:
        return False
    try:
        datas = [record["Data"] for record in records]
    except KeyError:
        return False
    return set(map(type, datas)) <= {bytes, bytearray, str}
