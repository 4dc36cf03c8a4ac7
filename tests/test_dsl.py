"""The pipeline language: ``>>`` builds the edges it reads as; bad graphs fail at build time."""

from __future__ import annotations

import pytest

from jaya_pulumi import (
    S3,
    AWSLambda,
    CopyS3Lambda,
    MapS3ToFirehoseLambda,
    Pipeline,
    PipelineDefinitionError,
)


def handler(event: object, context: object) -> None:
    """A do-nothing handler for graph tests."""


def src(name: str, prefix: str | None = None) -> S3:
    return S3(name, on=[S3.event(S3.ALL_CREATED_OBJECTS, prefix=prefix)])


def names(edges: tuple[tuple[object, object], ...]) -> list[tuple[str, str]]:
    return [(a.key, b.key) for a, b in edges]  # type: ignore[attr-defined]


def test_seed_tree_builds_exactly_the_edges_it_reads_as() -> None:
    n1, n2, n3, n4 = (
        src("bucket-n1"),
        AWSLambda("n2", handler),
        src("bucket-n3"),
        AWSLambda("n4", handler),
    )
    n5, n6 = src("bucket-n5"), AWSLambda("n6", handler)
    n7, n8 = S3("bucket-n7"), S3("bucket-n8")

    p = n1 >> n2 >> [n3 >> n4 >> [n7, n8], n5 >> n6]
    pipeline = Pipeline("tree", [p])

    assert names(pipeline.edges) == [
        ("bucket-n1", "n2"),
        ("n2", "bucket-n3"),
        ("bucket-n3", "n4"),
        ("n4", "bucket-n7"),
        ("n4", "bucket-n8"),
        ("n2", "bucket-n5"),
        ("bucket-n5", "n6"),
    ]
    assert [n.key for n in pipeline.nodes] == [
        "bucket-n1", "n2", "bucket-n3", "n4", "bucket-n7", "bucket-n8", "bucket-n5", "n6",
    ]  # fmt: skip


def test_chain_remembers_heads_and_tails() -> None:
    a, b = src("bucket-a"), AWSLambda("b", handler)
    c, d, e = S3("bucket-c"), S3("bucket-d", on=[S3.ALL_CREATED_OBJECTS]), AWSLambda("e", handler)
    chain = (a >> b) >> [c, d >> e]
    assert names(chain.edges) == [
        ("bucket-a", "b"), ("b", "bucket-c"), ("b", "bucket-d"), ("bucket-d", "e"),
    ]  # fmt: skip
    assert chain.heads == (a,)
    assert chain.tails == (c, e)


def test_fan_in_from_a_list() -> None:
    a, b, f = src("bucket-a"), src("bucket-b"), AWSLambda("f", handler)
    pipeline = Pipeline("fan-in", [[a, b] >> f])
    assert names(pipeline.edges) == [("bucket-a", "f"), ("bucket-b", "f")]


def test_same_node_in_two_chains_is_one_node() -> None:
    a, f, out1, out2 = src("bucket-a"), AWSLambda("f", handler), S3("bucket-o1"), S3("bucket-o2")
    pipeline = Pipeline("shared", [a >> f >> out1, f >> out2])
    assert len(pipeline.functions) == 1
    assert names(pipeline.edges) == [("bucket-a", "f"), ("f", "bucket-o1"), ("f", "bucket-o2")]


def test_two_nodes_naming_one_bucket_merge_their_triggers() -> None:
    first = S3("shared-bucket", on=[S3.event(S3.ALL_CREATED_OBJECTS, prefix="a/")])
    second = S3("shared-bucket", on=[S3.event(S3.ALL_CREATED_OBJECTS, prefix="b/")])
    f, g = AWSLambda("f", handler), AWSLambda("g", handler)
    pipeline = Pipeline("merge", [first >> f >> S3("out-bucket"), second >> g >> S3("out-bucket")])
    (group,) = [g for g in pipeline.buckets if g.bucket_name == "shared-bucket"]
    assert [(t.function.name, t.event.prefix) for t in group.triggers] == [("f", "a/"), ("g", "b/")]
    assert len(pipeline.buckets) == 2


def test_unsupported_edge_lists_the_allowed_ones() -> None:
    with pytest.raises(PipelineDefinitionError) as err:
        S3("bucket-a") >> S3("bucket-b")
    message = str(err.value)
    assert "S3('bucket-a') >> S3('bucket-b') is not a supported edge" in message
    assert "S3 >> AWSLambda" in message and "AWSLambda >> S3" in message
    with pytest.raises(PipelineDefinitionError, match=r"AWSLambda\('f'\) >> AWSLambda\('g'\)"):
        AWSLambda("f", handler) >> AWSLambda("g", handler)


def test_non_node_on_the_right_is_refused() -> None:
    with pytest.raises(PipelineDefinitionError, match="Cannot use 'bucket-b'"):
        S3("bucket-a") >> "bucket-b"  # type: ignore[operator]


def test_cycle_names_its_path() -> None:
    a = S3("bucket-a", on=[S3.event(S3.ALL_CREATED_OBJECTS, prefix="in/")])
    f = AWSLambda("f", handler)
    b = S3("bucket-b", on=[S3.ALL_CREATED_OBJECTS])
    g = AWSLambda("g", handler)
    with pytest.raises(PipelineDefinitionError) as err:
        Pipeline("loop", [a >> f >> b >> g >> a])
    assert (
        "has a cycle: S3('bucket-a') >> AWSLambda('f') >> S3('bucket-b') >> AWSLambda('g') "
        ">> S3('bucket-a')" in str(err.value)
    )


def test_function_writing_to_its_own_trigger_is_a_recursive_invocation() -> None:
    with pytest.raises(PipelineDefinitionError) as err:
        Pipeline(
            "rec",
            [S3("raw-bucket", on=[S3.ALL_CREATED_OBJECTS]) >> CopyS3Lambda({}) >> S3("raw-bucket")],
        )
    message = str(err.value)
    assert (
        "S3('raw-bucket') >> CopyS3Lambda('copy-s3') >> S3('raw-bucket') invokes 'copy-s3' on its own output"
        in message
    )
    assert "prefix='in/'" in message and "prefix='out/'" in message


def test_recursion_through_another_function_is_refused() -> None:
    a = S3("bucket-a", on=[S3.ALL_CREATED_OBJECTS])
    b = S3("bucket-b", on=[S3.ALL_CREATED_OBJECTS])
    f, g = AWSLambda("f", handler), AWSLambda("g", handler)
    a_out = S3("bucket-a", prefix="from-g/")
    with pytest.raises(PipelineDefinitionError) as err:
        Pipeline("rec2", [a >> f >> b, b >> g >> a_out])
    message = str(err.value)
    assert "recursive invocation" in message
    assert "AWSLambda('f') writes to s3://bucket-b/" in message
    assert "AWSLambda('g') writes to s3://bucket-a/from-g/" in message


def test_disjoint_prefixes_on_one_bucket_are_allowed() -> None:
    pipeline = Pipeline(
        "same-bucket",
        [
            S3("data-bucket", on=[S3.event(S3.ALL_CREATED_OBJECTS, prefix="in/")])
            >> CopyS3Lambda({}, "us-east-1", "staging")
            >> S3("data-bucket", prefix="out/")
        ],
    )
    assert len(pipeline.buckets) == 1


def test_writing_under_the_trigger_prefix_is_refused() -> None:
    with pytest.raises(PipelineDefinitionError, match="recursive invocation"):
        Pipeline(
            "nested",
            [
                S3("data-bucket", on=[S3.event(S3.ALL_CREATED_OBJECTS, prefix="in/")])
                >> CopyS3Lambda({})
                >> S3("data-bucket", prefix="in/copies/")
            ],
        )


def test_remove_events_do_not_count_as_recursion() -> None:
    Pipeline(
        "removed",
        [
            S3("data-bucket", on=[S3.ALL_REMOVED_OBJECTS])
            >> CopyS3Lambda({})
            >> S3("data-bucket", prefix="tomb/")
        ],
    )


def test_overlapping_triggers_on_one_bucket_are_refused() -> None:
    a = S3("shared-bucket", on=[S3.event(S3.ALL_CREATED_OBJECTS, prefix="in/")])
    b = S3("shared-bucket", on=[S3.event("s3:ObjectCreated:Put", prefix="in/csv/")])
    with pytest.raises(PipelineDefinitionError) as err:
        Pipeline("overlap", [a >> AWSLambda("f", handler), b >> AWSLambda("g", handler)])
    message = str(err.value)
    assert "Bucket 'shared-bucket' has two triggers that overlap" in message
    assert "AWSLambda('f')" in message and "AWSLambda('g')" in message
    assert "ambiguously defined" in message and "own prefix or suffix" in message


def test_triggers_differing_by_suffix_or_event_family_do_not_overlap() -> None:
    a = S3("shared-bucket", on=[S3.event(S3.ALL_CREATED_OBJECTS, suffix=".csv")])
    b = S3(
        "shared-bucket",
        on=[S3.event(S3.ALL_CREATED_OBJECTS, suffix=".json"), S3.ALL_REMOVED_OBJECTS],
    )
    pipeline = Pipeline("suffixes", [a >> AWSLambda("f", handler), b >> AWSLambda("g", handler)])
    assert len(pipeline.buckets[0].triggers) == 3


def test_duplicate_function_names_are_refused() -> None:
    with pytest.raises(
        PipelineDefinitionError, match="Two functions in pipeline 'dup' are named 'f'"
    ):
        Pipeline(
            "dup",
            [
                src("bucket-a") >> AWSLambda("f", handler),
                src("bucket-b") >> AWSLambda("f", handler),
            ],
        )


def test_unnamed_copy_functions_are_numbered() -> None:
    pipeline = Pipeline(
        "copies",
        [
            src("bucket-a") >> CopyS3Lambda({}) >> S3("bucket-b"),
            src("bucket-c") >> CopyS3Lambda({}) >> S3("bucket-d"),
        ],
    )
    assert [f.name for f in pipeline.functions] == ["copy-s3", "copy-s3-2"]


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("ab", "it is 2 characters long; S3 allows 3 to 63"),
        ("a" * 64, "it is 64 characters long"),
        ("My_Bucket", "only lowercase letters, digits, dots and hyphens"),
        ("bucket..name", "two adjacent dots"),
        ("192.168.1.1", "formatted as an IP address"),
        ("xn--bucket", "starts with 'xn--'"),
        ("bucket-s3alias", "ends with '-s3alias'"),
        ("-bucket", "must begin and end with a letter or digit"),
    ],
)
def test_bucket_name_rules(name: str, problem: str) -> None:
    with pytest.raises(PipelineDefinitionError, match="Invalid bucket name") as err:
        S3(name)
    assert problem in str(err.value)


def test_bucket_name_suggests_a_fix() -> None:
    with pytest.raises(PipelineDefinitionError, match="Try 'my-bucket'"):
        S3("My_Bucket")


def test_stack_placeholder_is_allowed_in_bucket_names() -> None:
    assert S3("raw-{stack}").bucket_name == "raw-{stack}"
    with pytest.raises(PipelineDefinitionError, match="only \\{stack\\} is expanded"):
        S3("raw-{env}")


@pytest.mark.parametrize("memory", [127, 10241, 0, True])
def test_memory_range(memory: int) -> None:
    with pytest.raises(
        PipelineDefinitionError, match=r"memory of AWSLambda\('f'\) is .*from 128 to 10240 MB"
    ):
        AWSLambda("f", handler, memory=memory)


@pytest.mark.parametrize("timeout", [0, 901])
def test_timeout_range(timeout: int) -> None:
    with pytest.raises(
        PipelineDefinitionError, match=r"timeout of AWSLambda\('f'\) is .*from 1 to 900 seconds"
    ):
        AWSLambda("f", handler, timeout=timeout)


def test_function_name_length() -> None:
    with pytest.raises(PipelineDefinitionError, match="must be at most 64"):
        AWSLambda("f", handler, function_name="x" * 65)
    with pytest.raises(PipelineDefinitionError, match="may contain only letters, digits"):
        AWSLambda("bad name", handler)


def test_unknown_event_type_suggests_the_right_one() -> None:
    with pytest.raises(PipelineDefinitionError, match="Did you mean 's3:ObjectCreated:Put'"):
        S3("bucket-a", on=["s3:ObjectCreated:put"])


def test_events_without_a_function_and_functions_without_events_are_refused() -> None:
    with pytest.raises(PipelineDefinitionError, match="feeds no function"):
        Pipeline("idle", [src("bucket-a")])
    with pytest.raises(PipelineDefinitionError, match="has no events to send"):
        Pipeline("silent", [S3("bucket-a") >> CopyS3Lambda({}) >> S3("bucket-b")])


def test_copy_without_destination_is_refused() -> None:
    with pytest.raises(PipelineDefinitionError, match="has no destination"):
        Pipeline("nowhere", [src("bucket-a") >> CopyS3Lambda({})])


def test_copy_conf_with_credentials_is_refused_not_dropped() -> None:
    with pytest.raises(PipelineDefinitionError, match=r"got settings \['aws_access_key_id'\]"):
        CopyS3Lambda({"aws_access_key_id": "AKIA..."}, "us-east-1", "staging")


def test_reserved_environment_names_are_refused() -> None:
    with pytest.raises(PipelineDefinitionError, match="prefix JAYA_"):
        AWSLambda("f", handler, environment={"JAYA_DESTINATIONS": "x"})
    with pytest.raises(PipelineDefinitionError, match="reserved by AWS Lambda"):
        AWSLambda("f", handler, environment={"AWS_REGION": "x"})


def test_log_retention_must_be_a_cloudwatch_period() -> None:
    with pytest.raises(
        PipelineDefinitionError, match=r"log_retention_days=10 .* choose one of 1, 3, 5"
    ):
        AWSLambda("f", handler, log_retention_days=10)


def test_bucket_in_two_regions_is_refused() -> None:
    with pytest.raises(PipelineDefinitionError, match="named with different regions"):
        Pipeline(
            "regions",
            [
                S3("bucket-a", "us-east-1", on=[S3.ALL_CREATED_OBJECTS])
                >> CopyS3Lambda({})
                >> S3("bucket-a", "eu-west-1", prefix="out/")
            ],
        )


def test_cross_region_trigger_is_refused() -> None:
    with pytest.raises(
        PipelineDefinitionError, match="can only invoke a function in the bucket's own region"
    ):
        Pipeline(
            "x-region",
            [
                S3("bucket-a", "us-east-1", on=[S3.ALL_CREATED_OBJECTS])
                >> CopyS3Lambda({}, "eu-west-1")
                >> S3("bucket-b")
            ],
        )


def test_pipeline_name_rules() -> None:
    with pytest.raises(PipelineDefinitionError, match="Pipeline name 'My Pipe'"):
        Pipeline("My Pipe", [src("bucket-a") >> CopyS3Lambda({}) >> S3("bucket-b")])
    with pytest.raises(PipelineDefinitionError, match="needs a list of chains"):
        Pipeline("empty", [])


def test_a_misspelt_setting_of_a_built_in_function_names_the_node_and_the_close_match() -> None:
    with pytest.raises(
        PipelineDefinitionError,
        match=r"CopyS3Lambda\(\) got unknown setting\(s\) 'memroy' \(did you mean 'memory'\?\)",
    ):
        CopyS3Lambda({}, memroy=512)
    with pytest.raises(
        PipelineDefinitionError,
        match=r"MapS3ToFirehoseLambda\(\) got unknown setting\(s\) 'bogus'\. It takes: .*bad_lines",
    ):
        MapS3ToFirehoseLambda(map_function=lambda line, bucket, key: [], bogus=1)
    assert CopyS3Lambda({}, memory=512, retries=1).memory == 512  # settings it passes on still work
