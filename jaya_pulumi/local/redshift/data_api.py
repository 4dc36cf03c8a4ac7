"""The Redshift Data API, emulated on the harness's PostgreSQL database.

moto's own ``redshift-data`` answers every query with canned rows, so the harness answers these
calls itself (a botocore ``before-call`` hook): ``ExecuteStatement``, ``BatchExecuteStatement``,
``DescribeStatement``, ``GetStatementResult``, ``ListStatements`` and ``CancelStatement``, with the
service's result shapes (``Records`` of ``stringValue``/``longValue``/``doubleValue``/
``booleanValue``/``isNull`` fields, ``ColumnMetadata``, ``SubStatements`` with ``<id>:<n>`` ids)
and its errors:

- ``ValidationException`` -- neither or both of ``WorkgroupName`` and ``ClusterIdentifier``, a
  ``DbUser`` on a workgroup, a workgroup or cluster the pipeline does not declare, a secret that
  does not exist or lacks ``username``/``password``, ``GetStatementResult`` on a batch's parent;
- ``ResourceNotFoundException`` -- an unknown statement id, or a result that does not exist
  (the statement failed or has no result set).

A statement runs when it is submitted, so its first ``DescribeStatement`` says ``FINISHED`` or
``FAILED`` (with PostgreSQL's error text). A batch runs in one transaction: when one statement
fails, none takes effect. As on Redshift, ``ALTER TABLE ... ALTER COLUMN ... TYPE`` inside a batch
fails (it cannot run in a transaction block). ``SVV_COLUMNS`` and ``PG_TABLE_DEF`` are views over
PostgreSQL's catalog (``PG_TABLE_DEF`` lists every schema, not only those on the search path, and
its ``notnull`` column must be quoted, ``"notnull"``: it is a keyword in PostgreSQL).

Not emulated: ``StatementName``/``WithEvent`` side effects (kept, not acted on), result sizes and
the 24-hour expiry of results, ``ResultFormat='CSV'``, session reuse (``SessionId``).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError

from jaya_pulumi.local._sandbox import Hook, Sandbox
from jaya_pulumi.local.iam import answer
from jaya_pulumi.local.redshift.statements import Request, Statement, StatementRunner
from jaya_pulumi.redshift.connection import ConnectionSettings

__all__ = ["DataApiEmulator", "emulated_data_api", "secret_name"]


class _Refused(Exception):
    """An API error: code and message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def secret_name(arn: str) -> str:
    """The secret's name in an ARN, without the 6-character suffix Secrets Manager appends."""
    name = arn.split(":secret:", 1)[-1]
    return re.sub(r"-[A-Za-z0-9]{6}\Z", "", name)


class DataApiEmulator:
    """Statements run on the local database for the workgroups and clusters the pipeline names.

    :param connect: opens a psycopg2 connection to the local database (the caller closes it).
    :param secrets: returns a (moto) ``secretsmanager`` client for a region.
    """

    def __init__(self, connect: Callable[[], Any], secrets: Callable[[str], Any]) -> None:
        self._runner = StatementRunner(connect)
        self._secrets = secrets
        self._secret_ids: dict[str, str] = {}
        self.workgroups: dict[str, set[str]] = {}
        """Databases by workgroup name."""
        self.clusters: dict[str, set[str]] = {}
        """Databases by cluster identifier."""
        self.requests: dict[str, Request] = {}
        """Every request so far by id (what ``ListStatements`` lists), oldest first."""

    def add_target(
        self, *, database: str, workgroup: str | None = None, cluster: str | None = None
    ) -> None:
        """Answer for ``database`` in ``workgroup`` (or ``cluster``)."""
        if workgroup:
            self.workgroups.setdefault(workgroup, set()).add(database)
        if cluster:
            self.clusters.setdefault(cluster, set()).add(database)

    def add_secret(self, arn: str, username: str = "admin") -> None:
        """Create the secret ``arn`` names in moto (a login for the local database), once.

        moto gives a created secret its own ARN suffix, so calls naming ``arn`` are answered with
        the secret of the same name; ``get_secret_value(SecretId=<name>)`` reads it too.
        """
        if arn in self._secret_ids:
            return
        name, region = secret_name(arn), arn.split(":")[3]
        client = self._secrets(region)
        value = json.dumps(
            {"username": username, "password": uuid.uuid4().hex, "engine": "redshift"}
        )
        try:
            client.create_secret(Name=name, SecretString=value)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ResourceExistsException":
                raise
        self._secret_ids[arn] = name

    def _read_secret(self, arn: str) -> dict[str, Any] | None:
        region = arn.split(":")[3] if arn.count(":") >= 6 else "us-east-1"
        try:
            value = self._secrets(region).get_secret_value(SecretId=self._secret_ids.get(arn, arn))
        except ClientError:
            return None
        try:
            parsed = json.loads(value.get("SecretString") or "{}")
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}

    def hooks(self, around: Callable[[Callable[[], Any]], Any] | None = None) -> list[Hook]:
        """The botocore hooks that send ``redshift-data`` calls here.

        :param around: runs each answer (e.g. with the handler's IAM context set aside, since the
            service's own secret lookup is not the handler's call).
        """

        def remember(params: Mapping[str, Any], context: dict[str, Any], **_: Any) -> None:
            context["jaya_redshift_data_params"] = params

        def respond(model: Any, context: Mapping[str, Any], **_: Any) -> Any:
            params = context.get("jaya_redshift_data_params")
            if params is None:
                return None
            if around is None:
                return self.call(model.name, params)
            return around(lambda: self.call(model.name, params))

        return [
            ("before-parameter-build.redshift-data", remember),
            ("before-call.redshift-data", respond),
        ]

    # -- the API ----------------------------------------------------------------------------

    def call(
        self, operation: str, params: Mapping[str, Any]
    ) -> tuple[AWSResponse, dict[str, Any]] | None:
        """Answer one ``redshift-data`` call (``None`` for an operation not emulated)."""
        handler = getattr(self, f"_op_{operation}", None)
        if handler is None:
            return None
        try:
            parsed = handler(params)
        except _Refused as exc:
            return answer("redshift-data", 400, {"Error": {"Code": exc.code, "Message": str(exc)}})
        return answer("redshift-data", 200, parsed)

    def _target(self, params: Mapping[str, Any]) -> dict[str, Any]:
        workgroup, cluster = params.get("WorkgroupName"), params.get("ClusterIdentifier")
        if bool(workgroup) == bool(cluster):
            raise _Refused(
                "ValidationException",
                "Either ClusterIdentifier or WorkgroupName needs to be specified."
                if not workgroup
                else "ClusterIdentifier and WorkgroupName cannot both be specified.",
            )
        known = self.workgroups if workgroup else self.clusters
        name = str(workgroup or cluster)
        if name not in known:
            what = "Workgroup" if workgroup else "Cluster"
            declared = ", ".join(sorted(known)) or "none"
            raise _Refused(
                "ValidationException",
                f"{what} {name} not found: Redshift endpoint doesn't exist in this region "
                f"(the pipeline's {what.lower()}s: {declared}).",
            )
        target: dict[str, Any] = {"Database": str(params.get("Database") or "")}
        target["WorkgroupName" if workgroup else "ClusterIdentifier"] = name
        secret_arn, user = params.get("SecretArn"), params.get("DbUser")
        if workgroup and user:
            raise _Refused("ValidationException", "DbUser is not supported for workgroups.")
        if secret_arn:
            secret = self._read_secret(str(secret_arn))
            if secret is None:
                raise _Refused(
                    "ValidationException",
                    f"Secrets Manager can't find the specified secret: {secret_arn}",
                )
            if not secret.get("username") or not secret.get("password"):
                raise _Refused(
                    "ValidationException", "username and password in secret cannot be empty"
                )
            target["SecretArn"] = str(secret_arn)
            target["DbUser"] = str(secret["username"])
        elif user:
            target["DbUser"] = str(user)
        elif cluster:
            target["DbUser"] = "IAM:jaya-local"
        else:
            target["DbUser"] = "IAMR:jaya-local"
        return target

    def _submit(
        self, params: Mapping[str, Any], sqls: Sequence[str], batch: bool
    ) -> dict[str, Any]:
        target = self._target(params)
        parameters = [dict(p) for p in params.get("Parameters") or []]
        if batch and parameters:
            raise _Refused("ValidationException", "Parameters are not supported in batch requests.")
        request_id = str(uuid.uuid4())
        statements = [
            Statement(f"{request_id}:{n}" if batch else request_id, sql, parameters)
            for n, sql in enumerate(sqls, start=1)
        ]
        request = Request(request_id, target, statements, batch, params.get("StatementName"))
        self.requests[request_id] = request
        self._run(request)
        return {"Id": request_id, "CreatedAt": statements[0].created, **target}

    def _op_ExecuteStatement(self, params: Mapping[str, Any]) -> dict[str, Any]:
        return self._submit(params, [str(params.get("Sql") or "")], batch=False)

    def _op_BatchExecuteStatement(self, params: Mapping[str, Any]) -> dict[str, Any]:
        sqls = [str(s) for s in params.get("Sqls") or []]
        if not sqls:
            raise _Refused("ValidationException", "Sqls must contain at least one statement.")
        if len(sqls) > 40:
            raise _Refused("ValidationException", "Sqls can contain at most 40 statements.")
        return self._submit(params, sqls, batch=True)

    def _find(self, statement_id: str) -> tuple[Request, Statement | None]:
        request_id, _, sub = statement_id.partition(":")
        request = self.requests.get(request_id)
        if request is None or (
            sub and not (sub.isdigit() and 0 < int(sub) <= len(request.statements))
        ):
            raise _Refused("ResourceNotFoundException", f"Query does not exist: {statement_id}")
        if sub:
            return request, request.statements[int(sub) - 1]
        return request, None if request.batch else request.statements[0]

    def _op_DescribeStatement(self, params: Mapping[str, Any]) -> dict[str, Any]:
        request, statement = self._find(str(params.get("Id") or ""))
        if statement is not None:
            described = statement.describe()
            if request.statements[0].parameters:
                described["QueryParameters"] = statement.parameters
        else:
            subs = [s.describe() for s in request.statements]
            described = {
                "Id": request.id,
                "Status": request.status,
                "HasResultSet": any(s["HasResultSet"] for s in subs),
                "ResultRows": sum(max(s["ResultRows"], 0) for s in subs),
                "ResultSize": sum(s["ResultSize"] for s in subs),
                "Duration": sum(s["Duration"] for s in subs),
                "CreatedAt": request.statements[0].created,
                "UpdatedAt": request.statements[-1].updated,
                "RedshiftQueryId": 0,
                "SubStatements": [
                    {k: v for k, v in s.items() if k != "RedshiftQueryId"} for s in subs
                ],
            }
            errors = [s.error for s in request.statements if s.error]
            if errors:
                described["Error"] = errors[0]
        described.update(request.target)
        described["RedshiftPid"] = 0
        return described

    def _op_GetStatementResult(self, params: Mapping[str, Any]) -> dict[str, Any]:
        statement_id = str(params.get("Id") or "")
        _, statement = self._find(statement_id)
        if statement is None:
            raise _Refused(
                "ValidationException",
                f"{statement_id} is a batch; get the result of a sub-statement ({statement_id}:1 ...).",
            )
        if statement.records is None:
            raise _Refused(
                "ResourceNotFoundException",
                "Query does not have result. Please check query status with DescribeStatement.",
            )
        return {
            "Records": statement.records,
            "ColumnMetadata": statement.columns,
            "TotalNumRows": len(statement.records),
        }

    def _op_ListStatements(self, params: Mapping[str, Any]) -> dict[str, Any]:
        wanted = str(params.get("Status") or "ALL")
        name = params.get("StatementName")
        listed = []
        for request in sorted(
            self.requests.values(), key=lambda r: r.statements[0].created, reverse=True
        ):
            if wanted != "ALL" and request.status != wanted:
                continue
            if name and not str(request.name or "").startswith(str(name)):
                continue
            entry: dict[str, Any] = {
                "Id": request.id,
                "Status": request.status,
                "IsBatchStatement": request.batch,
                "CreatedAt": request.statements[0].created,
                "UpdatedAt": request.statements[-1].updated,
            }
            if request.batch:
                entry["QueryStrings"] = [s.sql for s in request.statements]
            else:
                entry["QueryString"] = request.statements[0].sql
            for key in ("SecretArn", "Database"):
                if key in request.target:
                    entry[key] = request.target[key]
            if request.name:
                entry["StatementName"] = request.name
            listed.append(entry)
        start = int(params.get("NextToken") or 0)
        size = int(params.get("MaxResults") or 100)
        page: dict[str, Any] = {"Statements": listed[start : start + size]}
        if start + size < len(listed):
            page["NextToken"] = str(start + size)
        return page

    def _op_CancelStatement(self, params: Mapping[str, Any]) -> dict[str, Any]:
        request, _ = self._find(str(params.get("Id") or ""))
        raise _Refused(
            "ValidationException",
            f"Could not cancel a query that is already in {request.status} status.",
        )

    # -- running statements -------------------------------------------------------------------

    def _run(self, request: Request) -> None:
        database = request.target["Database"]
        name = request.target.get("WorkgroupName") or request.target.get("ClusterIdentifier")
        known = (self.workgroups if "WorkgroupName" in request.target else self.clusters)[str(name)]
        if database not in known:
            StatementRunner.fail(request, 0, f'ERROR: database "{database}" does not exist')
            return
        self._runner.run(request)


@contextmanager
def emulated_data_api(database_url: str, region: str = "us-east-1") -> Iterator[DataApiEmulator]:
    """moto started and ``redshift-data`` answered on the database at ``database_url``.

    For code that calls the Data API outside a harness (the table provider's tests):
    ``with emulated_data_api(url) as api: api.add_target(database="dev", workgroup="wg")``.
    """
    import boto3

    settings = ConnectionSettings.from_url(database_url)
    emulator = DataApiEmulator(
        settings.connect, lambda r: boto3.client("secretsmanager", region_name=r)
    )
    sandbox = Sandbox()
    sandbox.start(region, {}, emulator.hooks())
    try:
        yield emulator
    finally:
        sandbox.stop()
