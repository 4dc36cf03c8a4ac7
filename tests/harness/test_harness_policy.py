"""The harness's IAM evaluation, on the statements jaya_pulumi writes and on hand-written ones."""

from __future__ import annotations

import pytest

from jaya_pulumi.local import CompiledPolicy, s3_request

READ_WRITE = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::src/in/*"]},
        {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::dst/*"},
    ],
}


def test_allow_matches_wildcards_and_anything_else_is_denied() -> None:
    policy = CompiledPolicy([READ_WRITE])

    assert policy.allows("s3:GetObject", "arn:aws:s3:::src/in/a/b.csv")
    assert policy.allows("S3:getobject", "arn:aws:s3:::src/in/x")  # actions ignore case
    assert not policy.allows("s3:GetObject", "arn:aws:s3:::src/other/x")
    assert not policy.allows("s3:GetObject", "arn:aws:s3:::SRC/in/x")  # resources do not
    assert not policy.allows("s3:DeleteObject", "arn:aws:s3:::dst/x")
    assert not CompiledPolicy().allows("s3:GetObject", "arn:aws:s3:::src/in/x")


def test_wildcards_match_any_character_a_newline_included() -> None:
    policy = CompiledPolicy([READ_WRITE])

    assert policy.allows("s3:PutObject", "arn:aws:s3:::dst/two\nlines.txt")
    assert policy.allows("s3:GetObject", "arn:aws:s3:::src/in/\n")
    assert not policy.allows("s3:GetObject", "arn:aws:s3:::src/\nin/x")


def test_an_explicit_deny_wins() -> None:
    policy = CompiledPolicy(
        [
            {"Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}},
            {
                "Statement": [
                    {"Effect": "Deny", "Action": "s3:Put*", "Resource": "arn:aws:s3:::dst/?"}
                ]
            },
        ]
    )

    assert policy.allows("s3:PutObject", "arn:aws:s3:::dst/ab")
    assert not policy.allows("s3:PutObject", "arn:aws:s3:::dst/a")


def test_a_condition_is_ignored_with_a_warning() -> None:
    statement = {
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": "*",
        "Condition": {"Bool": {"aws:SecureTransport": "true"}},
    }
    with pytest.warns(UserWarning, match="ignores an IAM statement using \\['Condition'\\]"):
        policy = CompiledPolicy([{"Statement": [statement]}])
    assert not policy.allows("s3:GetObject", "arn:aws:s3:::b/k")


@pytest.mark.parametrize(
    ("operation", "params", "expected"),
    [
        ("HeadObject", {"Bucket": "b", "Key": "k"}, [("s3:GetObject", "arn:aws:s3:::b/k")]),
        ("ListObjectsV2", {"Bucket": "b"}, [("s3:ListBucket", "arn:aws:s3:::b")]),
        (
            "ListMultipartUploads",
            {"Bucket": "b"},
            [("s3:ListBucketMultipartUploads", "arn:aws:s3:::b")],
        ),
        ("ListBuckets", {}, [("s3:ListAllMyBuckets", "arn:aws:s3:::*")]),
        (
            "CopyObject",
            {"Bucket": "d", "Key": "k2", "CopySource": "s/dir/a%20b.txt?versionId=3"},
            [
                ("s3:GetObjectVersion", "arn:aws:s3:::s/dir/a b.txt"),
                ("s3:PutObject", "arn:aws:s3:::d/k2"),
            ],
        ),
        (
            "GetObject",
            {"Bucket": "b", "Key": "k", "VersionId": "3"},
            [("s3:GetObjectVersion", "arn:aws:s3:::b/k")],
        ),
        (
            "HeadObject",
            {"Bucket": "b", "Key": "k", "VersionId": "3"},
            [("s3:GetObjectVersion", "arn:aws:s3:::b/k")],
        ),
        (
            "CopyObject",
            {
                "Bucket": "d",
                "Key": "k",
                "CopySource": {"Bucket": "s", "Key": "a", "VersionId": "3"},
            },
            [("s3:GetObjectVersion", "arn:aws:s3:::s/a"), ("s3:PutObject", "arn:aws:s3:::d/k")],
        ),
        (
            "GetObjectAttributes",
            {"Bucket": "b", "Key": "k"},
            [("s3:GetObjectAttributes", "arn:aws:s3:::b/k"), ("s3:GetObject", "arn:aws:s3:::b/k")],
        ),
        (
            "GetObjectAttributes",
            {"Bucket": "b", "Key": "k", "VersionId": "3"},
            [
                ("s3:GetObjectVersionAttributes", "arn:aws:s3:::b/k"),
                ("s3:GetObjectVersion", "arn:aws:s3:::b/k"),
            ],
        ),
        (
            "DeleteObjects",
            {"Bucket": "b", "Delete": {"Objects": [{"Key": "x", "VersionId": "3"}]}},
            [("s3:DeleteObjectVersion", "arn:aws:s3:::b/x")],
        ),
        (
            "DeleteObjects",
            {"Bucket": "b", "Delete": {"Objects": [{"Key": "x"}, {"Key": "y"}]}},
            [("s3:DeleteObject", "arn:aws:s3:::b/x"), ("s3:DeleteObject", "arn:aws:s3:::b/y")],
        ),
    ],
)
def test_s3_calls_map_to_the_actions_iam_checks(
    operation: str, params: dict[str, object], expected: list[tuple[str, str]]
) -> None:
    assert s3_request(operation, params) == expected
