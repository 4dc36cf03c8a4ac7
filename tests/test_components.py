"""The Pulumi layer, run for real under mocks: what ``pulumi up`` would create, and how it is wired."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from handlers_for_tests import do_nothing

from jaya_pulumi import S3, AWSLambda, ConfigurationError, CopyS3Lambda, Pipeline, build
from jaya_pulumi.testing import DEFAULT_ACCOUNT, Synthesis, synth

# Handlers ship to Lambda: they come from a module Lambda can import (no pytest in it).
handler = do_nothing

ROOT = Path(__file__).resolve().parent.parent
BUCKET = "aws:s3/bucket:Bucket"
FUNCTION = "aws:lambda/function:Function"
ALIAS = "aws:lambda/alias:Alias"
PERMISSION = "aws:lambda/permission:Permission"
NOTIFICATION = "aws:s3/bucketNotification:BucketNotification"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"


def policy_of(s: Synthesis, function_component: str) -> list[dict[str, Any]]:
    policy = s.get(ROLE_POLICY, f"{function_component}-policy")
    return json.loads(policy.inputs["policy"])["Statement"]  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def main_program() -> Synthesis:
    return synth(ROOT / "__main__.py", stack="staging")


def test_main_program_deploys_the_three_node_pipe(main_program: Synthesis) -> None:
    s = main_program
    s.resource_count_is(BUCKET, 2)
    s.resource_count_is(FUNCTION, 1)
    s.resource_count_is(ALIAS, 1)
    s.resource_count_is(NOTIFICATION, 1)
    assert {b.inputs["bucket"] for b in s.of_type(BUCKET)} == {
        "tsa-rajiv-bucket1",
        "tsa-rajiv-bucket2",
    }

    function = s.get(FUNCTION)
    assert function.inputs["name"] == "three-node-pipe-copy-s3-staging"
    assert function.inputs["publish"] is True
    alias = s.get(ALIAS)
    assert alias.inputs["name"] == "staging"
    assert alias.inputs["functionName"] == "three-node-pipe-copy-s3-staging"
    alias_arn = f"arn:aws:lambda:us-east-1:{DEFAULT_ACCOUNT}:function:three-node-pipe-copy-s3-staging:staging"
    assert alias.state["arn"] == alias_arn

    permission = s.get(PERMISSION)
    assert permission.inputs == {
        "action": "lambda:InvokeFunction",
        "function": alias_arn,
        "principal": "s3.amazonaws.com",
        "sourceArn": "arn:aws:s3:::tsa-rajiv-bucket1",
        "sourceAccount": DEFAULT_ACCOUNT,
    }

    notification = s.get(NOTIFICATION)
    assert notification.inputs["bucket"] == "tsa-rajiv-bucket1"
    assert notification.inputs["lambdaFunctions"] == [
        {"lambdaFunctionArn": alias_arn, "events": ["s3:ObjectCreated:*"]}
    ]
    assert permission.urn in notification.depends_on


def test_main_program_iam_is_exactly_the_edges(main_program: Synthesis) -> None:
    statements = policy_of(main_program, "three-node-pipe-copy-s3")
    log_group = (
        "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/three-node-pipe-copy-s3-staging"
    )
    assert [(s["Action"], s["Resource"]) for s in statements] == [
        (["logs:CreateLogStream", "logs:PutLogEvents"], [f"{log_group}:*"]),
        (
            ["sqs:SendMessage"],
            ["arn:aws:sqs:us-east-1:123456789012:three-node-pipe-copy-s3-staging-failed"],
        ),
        (["s3:GetObject"], ["arn:aws:s3:::tsa-rajiv-bucket1/*"]),
        (["s3:PutObject"], ["arn:aws:s3:::tsa-rajiv-bucket2/*"]),
    ]
    assert all(s["Effect"] == "Allow" for s in statements)
    role = main_program.get("aws:iam/role:Role")
    assert "ManagedPolicyArns" not in role.inputs and "managedPolicyArns" not in role.inputs
    main_program.resource_count_is("aws:iam/rolePolicyAttachment:RolePolicyAttachment", 0)


def test_main_program_exports_names_and_arns(main_program: Synthesis) -> None:
    exported = main_program.outputs["three-node-pipe"]
    assert exported["buckets"]["tsa-rajiv-bucket2"] == {
        "name": "tsa-rajiv-bucket2",
        "arn": "arn:aws:s3:::tsa-rajiv-bucket2",
    }
    assert exported["functions"]["copy-s3"]["name"] == "three-node-pipe-copy-s3-staging"


def test_everything_sits_under_one_pipeline_component(main_program: Synthesis) -> None:
    (root,) = main_program.of_type("jaya:index:Pipeline")
    components = main_program.children(root)
    assert sorted(c.type for c in components) == [
        "jaya:aws:Bucket",
        "jaya:aws:Bucket",
        "jaya:aws:Function",
    ]
    bucket_component = main_program.get("jaya:aws:Bucket", "tsa-rajiv-bucket1")
    assert main_program.get(BUCKET, "tsa-rajiv-bucket1").parent == bucket_component.urn
    assert main_program.get(NOTIFICATION).parent == bucket_component.urn


def test_every_bucket_is_private_encrypted_and_tls_only(main_program: Synthesis) -> None:
    s = main_program
    for bucket in ("tsa-rajiv-bucket1", "tsa-rajiv-bucket2"):
        s.has_resource_properties(
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
            {
                "bucket": bucket,
                "blockPublicAcls": True,
                "blockPublicPolicy": True,
                "ignorePublicAcls": True,
                "restrictPublicBuckets": True,
            },
        )
        s.has_resource_properties(
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            {
                "bucket": bucket,
                "rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}],
            },
        )
        policy = s.get("aws:s3/bucketPolicy:BucketPolicy", f"{bucket}-tls-only")
        (statement,) = json.loads(policy.inputs["policy"])["Statement"]
        assert statement["Effect"] == "Deny"
        assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        assert statement["Resource"] == [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]
        assert s.get(BUCKET, bucket).inputs["forceDestroy"] is False


def test_log_group_has_retention_and_precedes_the_function(main_program: Synthesis) -> None:
    log_group = main_program.get("aws:cloudwatch/logGroup:LogGroup")
    assert log_group.inputs == {
        "name": "/aws/lambda/three-node-pipe-copy-s3-staging",
        "retentionInDays": 14,
    }
    assert log_group.urn in main_program.get(FUNCTION).depends_on


def test_handler_learns_its_destinations_through_environment(main_program: Synthesis) -> None:
    variables = main_program.get(FUNCTION).inputs["environment"]["variables"]
    assert json.loads(variables["JAYA_DESTINATIONS"]) == [
        {"type": "s3", "bucket": "tsa-rajiv-bucket2", "prefix": ""}
    ]
    assert json.loads(variables["JAYA_SOURCES"]) == [{"bucket": "tsa-rajiv-bucket1", "prefix": ""}]
    assert variables["JAYA_STACK"] == "staging"


def test_fan_out_with_disjoint_prefixes_is_one_notification_with_two_entries() -> None:
    source_in = S3("landing-bucket", on=[S3.event(S3.ALL_CREATED_OBJECTS, prefix="csv/")])
    source_json = S3(
        "landing-bucket", on=[S3.event(S3.ALL_CREATED_OBJECTS, prefix="json/", suffix=".json")]
    )
    pipeline = Pipeline(
        "fan-out",
        [
            source_in >> CopyS3Lambda({}, name="copy-csv") >> S3("archive-bucket", prefix="csv/"),
            source_json
            >> CopyS3Lambda({}, name="copy-json")
            >> S3("archive-bucket", prefix="json/"),
        ],
    )
    s = synth(pipeline, stack="staging", config={"aws:region": "us-east-1"})
    s.resource_count_is(NOTIFICATION, 1)
    s.resource_count_is(PERMISSION, 2)
    notification = s.get(NOTIFICATION)
    base = f"arn:aws:lambda:us-east-1:{DEFAULT_ACCOUNT}:function:fan-out"
    assert notification.inputs["lambdaFunctions"] == [
        {
            "lambdaFunctionArn": f"{base}-copy-csv-staging:staging",
            "events": ["s3:ObjectCreated:*"],
            "filterPrefix": "csv/",
        },
        {
            "lambdaFunctionArn": f"{base}-copy-json-staging:staging",
            "events": ["s3:ObjectCreated:*"],
            "filterPrefix": "json/",
            "filterSuffix": ".json",
        },
    ]
    assert {p.urn for p in s.of_type(PERMISSION)} <= set(notification.depends_on)
    statements = policy_of(s, "fan-out-copy-json")
    assert (["s3:GetObject"], ["arn:aws:s3:::landing-bucket/json/*"]) in [
        (x["Action"], x["Resource"]) for x in statements
    ]
    assert (["s3:PutObject"], ["arn:aws:s3:::archive-bucket/json/*"]) in [
        (x["Action"], x["Resource"]) for x in statements
    ]


def test_no_statement_uses_a_wildcard_resource() -> None:
    pipeline = Pipeline(
        "wild",
        [
            S3("in-bucket", on=[S3.ALL_CREATED_OBJECTS])
            >> AWSLambda("f", handler)
            >> [S3("out-a"), S3("out-b", prefix="x/")]
        ],
    )
    s = synth(pipeline)
    for statement in policy_of(s, "wild-f"):
        assert "*" not in statement["Resource"]
        assert all(r.startswith("arn:aws:") for r in statement["Resource"])
    variables = s.get(FUNCTION).inputs["environment"]["variables"]
    assert [d["bucket"] for d in json.loads(variables["JAYA_DESTINATIONS"])] == ["out-a", "out-b"]


def seed_pipeline(alias: str) -> Pipeline:
    s1 = S3("tsa-rajiv-bucket1", "us-east-1", on=[S3.ALL_CREATED_OBJECTS])
    l1 = CopyS3Lambda({}, "us-east-1", alias)
    s2 = S3("tsa-rajiv-bucket2", "us-east-1")
    return Pipeline("three-node-pipe", [s1 >> l1 >> s2])


def test_alias_must_match_the_stack() -> None:
    with pytest.raises(ConfigurationError) as err:
        synth(seed_pipeline("development"), stack="staging")
    message = str(err.value)
    assert "asks for alias 'development', but this is stack 'staging'" in message
    assert "pulumi up -s development" in message
    s = synth(seed_pipeline("development"), stack="development")
    assert s.get(ALIAS).inputs["name"] == "development"


def test_stack_placeholder_expands_in_physical_names() -> None:
    pipeline = Pipeline(
        "env",
        [S3("raw-{stack}", on=[S3.ALL_CREATED_OBJECTS]) >> CopyS3Lambda({}) >> S3("clean-{stack}")],
    )
    for stack in ("staging", "production"):
        s = synth(pipeline, stack=stack)
        assert {b.inputs["bucket"] for b in s.of_type(BUCKET)} == {f"raw-{stack}", f"clean-{stack}"}
        assert s.get(FUNCTION).inputs["name"] == f"env-copy-s3-{stack}"
        assert {b.name for b in s.of_type(BUCKET)} == {"raw-stack", "clean-stack"}


def test_long_derived_function_names_fit_lambda_and_stay_distinct() -> None:
    long = "a-really-long-function-name-that-goes-on"
    pipeline = Pipeline(
        "long-pipeline-name-for-testing",
        [
            S3("in-bucket", on=[S3.event(S3.ALL_CREATED_OBJECTS, prefix="a/")])
            >> CopyS3Lambda({}, name=f"{long}-1")
            >> S3("out-bucket"),
            S3("in-bucket", on=[S3.event(S3.ALL_CREATED_OBJECTS, prefix="b/")])
            >> CopyS3Lambda({}, name=f"{long}-2")
            >> S3("out-bucket"),
        ],
    )
    names = [f.inputs["name"] for f in synth(pipeline, stack="production").of_type(FUNCTION)]
    assert all(len(n) <= 64 for n in names)
    assert len(set(names)) == 2


def test_explicit_function_name_is_used_as_given() -> None:
    pipeline = Pipeline(
        "named",
        [
            S3("in-bucket", on=[S3.ALL_CREATED_OBJECTS])
            >> AWSLambda("f", handler, function_name="etl-{stack}")
            >> S3("out-bucket")
        ],
    )
    assert synth(pipeline, stack="qa").get(FUNCTION).inputs["name"] == "etl-qa"


def test_bucket_name_too_long_once_expanded_fails_before_any_resource() -> None:
    pipeline = Pipeline(
        "long",
        [
            S3("b" * 55 + "-{stack}", on=[S3.ALL_CREATED_OBJECTS])
            >> CopyS3Lambda({})
            >> S3("out-bucket")
        ],
    )
    with pytest.raises(ConfigurationError, match="For stack 'production-eu': Invalid bucket name"):
        synth(pipeline, stack="production-eu")


def test_node_in_another_region_gets_an_explicit_provider() -> None:
    pipeline = Pipeline(
        "regional",
        [
            S3("eu-bucket", "eu-west-1", on=[S3.ALL_CREATED_OBJECTS])
            >> CopyS3Lambda({}, "eu-west-1")
            >> S3("eu-out", "eu-west-1")
        ],
    )
    s = synth(pipeline, config={"aws:region": "us-east-1"})
    (provider,) = s.of_type("pulumi:providers:aws")
    assert provider.inputs["region"] == "eu-west-1"
    function = s.get(FUNCTION)
    assert s.get(ALIAS).state["arn"].startswith("arn:aws:lambda:eu-west-1:")
    assert function.state["arn"].startswith("arn:aws:lambda:eu-west-1:")
    same_region = synth(pipeline, config={"aws:region": "eu-west-1"})
    same_region.resource_count_is("pulumi:providers:aws", 0)


def test_cross_region_resolved_from_stack_config_is_refused() -> None:
    pipeline = Pipeline(
        "mixed",
        [
            S3("us-bucket", on=[S3.ALL_CREATED_OBJECTS])
            >> CopyS3Lambda({}, "eu-west-1")
            >> S3("out-bucket")
        ],
    )
    with pytest.raises(
        ConfigurationError, match="S3 only invokes functions in the bucket's region"
    ):
        synth(pipeline, config={"aws:region": "us-east-1"})


def test_requirements_become_a_layer_built_by_a_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    pipeline = Pipeline(
        "deps",
        [
            S3("in-bucket", on=[S3.ALL_CREATED_OBJECTS])
            >> AWSLambda("f", handler, requirements=["requests==2.32.3"])
            >> S3("out-bucket")
        ],
    )
    s = synth(pipeline)
    command = s.get("command:local:Command")
    assert "requests==2.32.3" in command.inputs["create"]
    assert "--target python" in command.inputs["create"]
    layer = s.get("aws:lambda/layerVersion:LayerVersion")
    assert layer.inputs["compatibleRuntimes"] == [s.get(FUNCTION).inputs["runtime"]]
    assert s.get(FUNCTION).inputs["layers"] == [layer.state["arn"]]


def test_function_settings_reach_the_function() -> None:
    fn = AWSLambda(
        "tuned", handler, memory=1536, timeout=300, description="tuned", environment={"LEVEL": "debug"},
        reserved_concurrency=5, log_retention_days=30,
    )  # fmt: skip
    s = synth(
        Pipeline("tuned", [S3("in-bucket", on=[S3.ALL_CREATED_OBJECTS]) >> fn >> S3("out-bucket")])
    )
    inputs = s.get(FUNCTION).inputs
    assert (inputs["memorySize"], inputs["timeout"], inputs["description"]) == (1536, 300, "tuned")
    assert inputs["reservedConcurrentExecutions"] == 5
    assert inputs["environment"]["variables"]["LEVEL"] == "debug"
    assert inputs["handler"] == "jaya_entry.handler"
    assert s.get("aws:cloudwatch/logGroup:LogGroup").inputs["retentionInDays"] == 30


def test_build_without_export_adds_no_stack_output() -> None:
    pipeline = Pipeline(
        "no-export",
        [S3("in-bucket", on=[S3.ALL_CREATED_OBJECTS]) >> CopyS3Lambda({}) >> S3("out-bucket")],
    )
    assert not hasattr(pipeline, "deploy"), "build(pipeline) is the one way in"
    s = synth(lambda: build(pipeline, export=False))
    s.resource_count_is(FUNCTION, 1)
    assert s.outputs == {}
