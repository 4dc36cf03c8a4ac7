"""Issue 11, items 1-6: what Pulumi mocks accept but AWS rejects or breaks, refused or fixed."""

from __future__ import annotations

import functools
import itertools
import json
import warnings
from typing import Any

import pytest
from botocore.exceptions import ClientError
from handlers_for_tests import do_nothing, json_lines_to_events

from jaya_pulumi import S3, AWSLambda, CopyS3Lambda, Pipeline, PipelineDefinitionError
from jaya_pulumi.diagram import to_mermaid
from jaya_pulumi.dsl import MapS3ToFirehoseLambda
from jaya_pulumi.mocks import s3_record
from jaya_pulumi.runtime import S3AccessDeniedError
from jaya_pulumi.runtime import copy as copy_runtime
from jaya_pulumi.testing import Synthesis, synth

ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
NOTIFICATION = "aws:s3/bucketNotification:BucketNotification"
BUCKET = "aws:s3/bucket:Bucket"
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"


def _statements(s: Synthesis, fn: str, pipeline: str) -> list[dict[str, Any]]:
    policy = s.find(ROLE_POLICY)
    mine = [p for p in policy if p.name == f"{pipeline}-{fn}-policy"]
    assert len(mine) == 1, [p.name for p in policy]
    return json.loads(mine[0].inputs["policy"])["Statement"]  # type: ignore[no-any-return]


def _reads(statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [s for s in statements if s["Sid"].startswith("Read")]


# -- 1. edits of one bucket are chained -------------------------------------------------------


def _reaches(s: Synthesis, start: str, goal: str) -> bool:
    todo, seen = [start], set()
    while todo:
        urn = todo.pop()
        if urn == goal:
            return True
        if urn in seen:
            continue
        seen.add(urn)
        todo.extend(s.by_urn(urn).depends_on)
    return False


def test_every_two_resources_configuring_one_bucket_are_ordered() -> None:
    source = S3("traps-src", on=[S3.ALL_CREATED_OBJECTS], versioning=True)
    p = Pipeline("traps-chain", [source >> CopyS3Lambda({}) >> S3("traps-dst")])
    s = synth(p)
    for bucket in s.of_type(BUCKET):
        edits = [
            r
            for r in s.find()
            if r.custom
            and r.type.startswith("aws:s3/bucket")
            and r.type != BUCKET
            and r.inputs.get("bucket") == bucket.inputs["bucket"]
        ]
        kinds = {r.type.rsplit(":", 1)[1] for r in edits}
        expected = {
            "BucketOwnershipControls",
            "BucketPublicAccessBlock",
            "BucketServerSideEncryptionConfiguration",
            "BucketPolicy",
        }
        assert expected <= kinds
        if bucket.inputs["bucket"] == "traps-src":
            assert {"BucketVersioning", "BucketLifecycleConfiguration", "BucketNotification"} <= (
                kinds
            )
        for i, a in enumerate(edits):
            for b in edits[i + 1 :]:
                assert _reaches(s, a.urn, b.urn) or _reaches(s, b.urn, a.urn), (a, b)


def test_bucket_edits_follow_the_documented_order() -> None:
    source = S3("traps-src", on=[S3.ALL_CREATED_OBJECTS], versioning=True)
    s = synth(Pipeline("traps-order", [source >> CopyS3Lambda({}) >> S3("traps-dst")]))
    order = [
        "BucketOwnershipControls",
        "BucketPublicAccessBlock",
        "BucketServerSideEncryptionConfiguration",
        "BucketVersioning",
        "BucketLifecycleConfiguration",
        "BucketPolicy",
        "BucketNotification",
    ]
    edits = {
        r.type.rsplit(":", 1)[1]: r
        for r in s.find()
        if r.custom and r.inputs.get("bucket") == "traps-src" and r.type != BUCKET
    }
    for before, after in itertools.pairwise(order):
        assert edits[before].urn in edits[after].depends_on, (before, after)


# -- 2. versioned buckets ---------------------------------------------------------------------


def test_versioning_creates_versioning_and_a_noncurrent_lifecycle_rule() -> None:
    source = S3("traps-v", on=[S3.ALL_CREATED_OBJECTS], versioning=True, noncurrent_days=7)
    s = synth(Pipeline("traps-ver", [source >> CopyS3Lambda({}) >> S3("traps-v-out")]))
    (versioning,) = s.of_type(VERSIONING)
    assert versioning.inputs["versioningConfiguration"] == {"status": "Enabled"}
    (lifecycle,) = s.of_type(LIFECYCLE)
    (rule,) = lifecycle.inputs["rules"]
    assert rule["status"] == "Enabled"
    assert rule["noncurrentVersionExpiration"] == {"noncurrentDays": 7}
    (read,) = _reads(_statements(s, "copy-s3", "traps-ver"))
    assert read["Action"] == ["s3:GetObject", "s3:GetObjectVersion"]


def test_an_unversioned_bucket_gets_neither_versioning_nor_the_version_grant() -> None:
    source = S3("traps-u", on=[S3.ALL_CREATED_OBJECTS])
    s = synth(Pipeline("traps-unver", [source >> CopyS3Lambda({}) >> S3("traps-u-out")]))
    assert s.of_type(VERSIONING) == [] and s.of_type(LIFECYCLE) == []
    (read,) = _reads(_statements(s, "copy-s3", "traps-unver"))
    assert read["Action"] == ["s3:GetObject"]


def test_noncurrent_days_must_be_positive() -> None:
    with pytest.raises(PipelineDefinitionError, match="noncurrent_days"):
        S3("traps-v", versioning=True, noncurrent_days=0)


def _denied(operation: str) -> ClientError:
    return ClientError(
        {
            "Error": {"Code": "403", "Message": "Forbidden"},
            "ResponseMetadata": {"HTTPStatusCode": 403},
        },
        operation,
    )


class _DeniedS3:
    def copy(self, *args: Any, **kwargs: Any) -> None:
        raise _denied("HeadObject")


def test_a_403_in_the_runtime_names_the_version_permission() -> None:
    event = {"Records": [s3_record("src", "in/a.csv", version_id="v2")]}
    environ = {
        "JAYA_DESTINATIONS": json.dumps([{"type": "s3", "bucket": "dst", "prefix": ""}]),
        "JAYA_SOURCES": json.dumps([{"bucket": "src", "prefix": "in/"}]),
    }
    with pytest.raises(
        S3AccessDeniedError, match=r"s3:GetObjectVersion on arn:aws:s3:::src/in/a\.csv"
    ):
        copy_runtime.handler(event, None, s3_client=_DeniedS3(), environ=environ)  # type: ignore[arg-type]


def test_a_403_reading_an_unversioned_object_names_get_object() -> None:
    event = {"Records": [s3_record("src", "a.csv")]}
    environ = {
        "JAYA_DESTINATIONS": json.dumps([{"type": "s3", "bucket": "dst", "prefix": "out/"}]),
        "JAYA_SOURCES": json.dumps([{"bucket": "src", "prefix": ""}]),
    }
    with pytest.raises(S3AccessDeniedError) as caught:
        copy_runtime.handler(event, None, s3_client=_DeniedS3(), environ=environ)  # type: ignore[arg-type]
    message = str(caught.value)
    assert "s3:GetObject on arn:aws:s3:::src/a.csv" in message
    assert "s3:PutObject on arn:aws:s3:::dst/out/a.csv" in message
    assert "GetObjectVersion" not in message
    assert isinstance(caught.value.__cause__, ClientError)


class _OtherError:
    def copy(self, *args: Any, **kwargs: Any) -> None:
        raise ClientError({"Error": {"Code": "NoSuchKey", "Message": "gone"}}, "HeadObject")


def test_other_s3_errors_pass_through_unchanged() -> None:
    event = {"Records": [s3_record("src", "a.csv")]}
    environ = {
        "JAYA_DESTINATIONS": json.dumps([{"type": "s3", "bucket": "dst", "prefix": ""}]),
        "JAYA_SOURCES": json.dumps([{"bucket": "src", "prefix": ""}]),
    }
    with pytest.raises(ClientError, match="NoSuchKey"):
        copy_runtime.handler(event, None, s3_client=_OtherError(), environ=environ)  # type: ignore[arg-type]


# -- 3. a node's prefix reaches its suffix-only events ---------------------------------------


def test_a_suffix_only_event_takes_the_nodes_prefix() -> None:
    source = S3("traps-p", prefix="in/", on=[S3.event(S3.ALL_CREATED_OBJECTS, suffix=".csv")])
    (event,) = source.on
    assert (event.prefix, event.suffix) == ("in/", ".csv")
    s = synth(Pipeline("traps-pfx", [source >> CopyS3Lambda({}) >> S3("traps-p-out")]))
    (notification,) = s.of_type(NOTIFICATION)
    (entry,) = notification.inputs["lambdaFunctions"]
    assert (entry["filterPrefix"], entry["filterSuffix"]) == ("in/", ".csv")
    (read,) = _reads(_statements(s, "copy-s3", "traps-pfx"))
    assert read["Resource"] == ["arn:aws:s3:::traps-p/in/*"]
    function = s.get("aws:lambda/function:Function")
    sources = json.loads(function.inputs["environment"]["variables"]["JAYA_SOURCES"])
    assert sources == [{"bucket": "traps-p", "prefix": "in/"}]


def test_the_seed_tree_fixture_now_filters_on_prefix_and_suffix() -> None:
    from tests.fixtures.pipelines.seed_tree import n3

    (event,) = n3.on
    assert (event.prefix, event.suffix) == ("in/", ".csv")


def test_an_event_prefix_that_differs_from_the_nodes_is_refused() -> None:
    with pytest.raises(PipelineDefinitionError, match=r"prefix 'raw/' differs from the node's"):
        S3("traps-p", prefix="in/", on=[S3.event(S3.ALL_CREATED_OBJECTS, prefix="raw/")])
    same = S3("traps-p", prefix="in/", on=[S3.event(S3.ALL_CREATED_OBJECTS, prefix="in/")])
    assert same.on[0].prefix == "in/"


# -- 4. prefixes IAM or S3 cannot take --------------------------------------------------------


@pytest.mark.parametrize("char", ["*", "?", "$"])
def test_iam_special_characters_in_prefixes_are_refused(char: str) -> None:
    with pytest.raises(PipelineDefinitionError, match=rf"contains '\{char}'"):
        S3("traps-p", prefix=f"in{char}/")
    with pytest.raises(PipelineDefinitionError, match=rf"contains '\{char}'"):
        S3.event(S3.ALL_CREATED_OBJECTS, prefix=f"in/{char}")


def test_a_suffix_may_hold_a_dollar() -> None:
    assert S3.event(S3.ALL_CREATED_OBJECTS, suffix="$.csv").suffix == "$.csv"


def test_prefixes_over_1024_bytes_are_refused() -> None:
    S3("traps-p", prefix="a" * 1023 + "/")
    with pytest.raises(PipelineDefinitionError, match=r"1025 bytes long.*at most 1024"):
        S3("traps-p", prefix="é" * 512 + "/")


def test_a_prefix_without_a_trailing_slash_warns_once() -> None:
    with pytest.warns(UserWarning, match="prefix 'in' does not end in '/'") as caught:
        S3("traps-p", prefix="in", on=[S3.ALL_CREATED_OBJECTS, S3.ALL_REMOVED_OBJECTS])
    assert len([w for w in caught if "does not end in" in str(w.message)]) == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        S3("traps-p", prefix="in/", on=[S3.ALL_CREATED_OBJECTS])


# -- 5. handler signatures --------------------------------------------------------------------


def _one_argument(event: object) -> None:
    return None


def test_a_handler_without_context_is_refused() -> None:
    with pytest.raises(PipelineDefinitionError, match=r"_one_argument.*\(event, context\)"):
        AWSLambda("h", _one_argument)
    with pytest.raises(PipelineDefinitionError, match="handler"):
        AWSLambda("h", lambda: None)


def _three(event: object, context: object, tag: str) -> None:
    return None


def test_partial_args_and_kwargs_handlers_are_accepted() -> None:
    AWSLambda("h1", do_nothing)
    AWSLambda("h2", functools.partial(_three, tag="x"))
    AWSLambda("h3", lambda *args: None)
    AWSLambda("h4", lambda event, context, **kwargs: None)
    with pytest.raises(PipelineDefinitionError, match="too many positional"):
        AWSLambda("h7", lambda event, **kwargs: None)
    AWSLambda("h5", lambda event, context, extra=1: None)
    with pytest.raises(PipelineDefinitionError):
        AWSLambda("h6", functools.partial(_three, "e", "c", "t"))


def test_a_map_function_must_take_line_bucket_key() -> None:
    with pytest.raises(PipelineDefinitionError, match=r"map_function.*\(line, bucket, key\)"):
        MapS3ToFirehoseLambda(map_function=lambda line: [])
    MapS3ToFirehoseLambda(map_function=json_lines_to_events)
    MapS3ToFirehoseLambda(map_function=lambda *parts: [])


# -- 6. settings AWS accepts that never work --------------------------------------------------


def test_reserved_concurrency_zero_is_refused() -> None:
    with pytest.raises(PipelineDefinitionError, match=r"reserved_concurrency=0.*never runs"):
        AWSLambda("h", do_nothing, reserved_concurrency=0)
    assert AWSLambda("h", do_nothing, reserved_concurrency=1).reserved_concurrency == 1


def test_a_function_with_no_trigger_is_refused_naming_invoked_by() -> None:
    chain = AWSLambda("orphan", do_nothing) >> S3("traps-out")
    with pytest.raises(PipelineDefinitionError, match=r"no trigger.*invoked_by='external'"):
        Pipeline("traps-orphan", [chain])


def test_an_externally_invoked_function_deploys_and_shows_in_the_graph() -> None:
    fn = AWSLambda("api", do_nothing, invoked_by="external")
    p = Pipeline("traps-ext", [fn >> S3("traps-ext-out")])
    assert "AWSLambda (invoked by: external)" in to_mermaid(p)
    s = synth(p)
    assert s.get("aws:lambda/function:Function").inputs["name"] == "traps-ext-api-staging"
    with pytest.raises(PipelineDefinitionError, match="invoked_by='somebody'"):
        AWSLambda("api", do_nothing, invoked_by="somebody")


def test_a_function_triggered_only_by_removals_gets_no_read_grant() -> None:
    removed = S3("traps-rm", on=[S3.ALL_REMOVED_OBJECTS])
    p = Pipeline("traps-rm", [removed >> AWSLambda("audit", do_nothing)])
    s = synth(p)
    assert _reads(_statements(s, "audit", "traps-rm")) == []
    both = S3("traps-rm2", on=[S3.ALL_CREATED_OBJECTS, S3.ALL_REMOVED_OBJECTS])
    s = synth(Pipeline("traps-rm2", [both >> AWSLambda("audit", do_nothing)]))
    (read,) = _reads(_statements(s, "audit", "traps-rm2"))
    assert read["Action"] == ["s3:GetObject"]
