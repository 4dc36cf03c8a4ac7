"""The ``S3`` node: a bucket (optionally a key prefix in it) and the events it sends on."""

from __future__ import annotations

import difflib
import ipaddress
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from jaya_pulumi.dsl._chain import Node
from jaya_pulumi.errors import PipelineDefinitionError

__all__ = [
    "EVENTBRIDGE",
    "NOTIFICATION",
    "S3",
    "VIA",
    "S3Event",
    "check_region",
    "eventbridge_pattern",
    "validate_bucket_name",
]

NOTIFICATION = "notification"
"""``S3(..., via=NOTIFICATION)`` (the default): the bucket's notification configuration."""
EVENTBRIDGE = "eventbridge"
"""``S3(..., via=EVENTBRIDGE)``: the bucket sends events to EventBridge; one rule per edge."""
VIA: tuple[str, ...] = (NOTIFICATION, EVENTBRIDGE)
"""How an S3 node may deliver its events."""

S3_EVENT_TYPES: tuple[str, ...] = (
    "s3:ObjectCreated:*",
    "s3:ObjectCreated:Put",
    "s3:ObjectCreated:Post",
    "s3:ObjectCreated:Copy",
    "s3:ObjectCreated:CompleteMultipartUpload",
    "s3:ObjectRemoved:*",
    "s3:ObjectRemoved:Delete",
    "s3:ObjectRemoved:DeleteMarkerCreated",
    "s3:ObjectRestore:*",
    "s3:ObjectRestore:Post",
    "s3:ObjectRestore:Completed",
    "s3:ObjectRestore:Delete",
    "s3:ReducedRedundancyLostObject",
    "s3:Replication:*",
    "s3:Replication:OperationFailedReplication",
    "s3:Replication:OperationMissedThreshold",
    "s3:Replication:OperationReplicatedAfterThreshold",
    "s3:Replication:OperationNotTracked",
    "s3:LifecycleExpiration:*",
    "s3:LifecycleExpiration:Delete",
    "s3:LifecycleExpiration:DeleteMarkerCreated",
    "s3:LifecycleTransition",
    "s3:IntelligentTiering",
    "s3:ObjectTagging:*",
    "s3:ObjectTagging:Put",
    "s3:ObjectTagging:Delete",
    "s3:ObjectAcl:Put",
)
"""Event types S3 can send to a Lambda function."""

_EVENTBRIDGE: dict[str, tuple[tuple[str, ...], dict[str, list[str]]]] = {
    "s3:ObjectCreated:*": (("Object Created",), {}),
    "s3:ObjectCreated:Put": (("Object Created",), {"reason": ["PutObject"]}),
    "s3:ObjectCreated:Post": (("Object Created",), {"reason": ["POST Object"]}),
    "s3:ObjectCreated:Copy": (("Object Created",), {"reason": ["CopyObject"]}),
    "s3:ObjectCreated:CompleteMultipartUpload": (
        ("Object Created",),
        {"reason": ["CompleteMultipartUpload"]},
    ),
    "s3:ObjectRemoved:*": (("Object Deleted",), {"reason": ["DeleteObject"]}),
    "s3:ObjectRemoved:Delete": (
        ("Object Deleted",),
        {"reason": ["DeleteObject"], "deletion-type": ["Permanently Deleted"]},
    ),
    "s3:ObjectRemoved:DeleteMarkerCreated": (
        ("Object Deleted",),
        {"reason": ["DeleteObject"], "deletion-type": ["Delete Marker Created"]},
    ),
    "s3:ObjectRestore:*": (
        ("Object Restore Initiated", "Object Restore Completed", "Object Restore Expired"),
        {},
    ),
    "s3:ObjectRestore:Post": (("Object Restore Initiated",), {}),
    "s3:ObjectRestore:Completed": (("Object Restore Completed",), {}),
    "s3:ObjectRestore:Delete": (("Object Restore Expired",), {}),
    "s3:LifecycleExpiration:*": (("Object Deleted",), {"reason": ["Lifecycle Expiration"]}),
    "s3:LifecycleExpiration:Delete": (
        ("Object Deleted",),
        {"reason": ["Lifecycle Expiration"], "deletion-type": ["Permanently Deleted"]},
    ),
    "s3:LifecycleExpiration:DeleteMarkerCreated": (
        ("Object Deleted",),
        {"reason": ["Lifecycle Expiration"], "deletion-type": ["Delete Marker Created"]},
    ),
    "s3:LifecycleTransition": (("Object Storage Class Changed",), {}),
    "s3:IntelligentTiering": (("Object Access Tier Changed",), {}),
    "s3:ObjectTagging:*": (("Object Tags Added", "Object Tags Deleted"), {}),
    "s3:ObjectTagging:Put": (("Object Tags Added",), {}),
    "s3:ObjectTagging:Delete": (("Object Tags Deleted",), {}),
    "s3:ObjectAcl:Put": (("Object ACL Updated",), {}),
}
"""Each S3 event type as EventBridge names it: detail types and the ``detail`` fields to match."""


def _escape_wildcard(text: str) -> str:
    return text.replace("\\", "\\\\").replace("*", "\\*")


def eventbridge_pattern(bucket: str, event: S3Event) -> dict[str, object]:
    """The EventBridge event pattern matching ``event`` on the bucket named ``bucket``.

    Key filters become ``prefix``, ``suffix`` or (both) ``wildcard`` matches on the object key.
    """
    detail_types, extra = _EVENTBRIDGE[event.trigger]
    detail: dict[str, object] = {"bucket": {"name": [bucket]}, **extra}
    if event.prefix and event.suffix:
        wildcard = f"{_escape_wildcard(event.prefix)}*{_escape_wildcard(event.suffix)}"
        detail["object"] = {"key": [{"wildcard": wildcard}]}
    elif event.prefix:
        detail["object"] = {"key": [{"prefix": event.prefix}]}
    elif event.suffix:
        detail["object"] = {"key": [{"suffix": event.suffix}]}
    return {"source": ["aws.s3"], "detail-type": list(detail_types), "detail": detail}


_BUCKET_CHARS = re.compile(r"^[a-z0-9][a-z0-9.-]*[a-z0-9]$")
_BAD_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_BAD_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
STACK_PLACEHOLDER = "{stack}"
"""Written in a name, expands to the Pulumi stack name (``S3("raw-{stack}")``)."""


def validate_bucket_name(name: str, *, what: str = "bucket name") -> None:
    """Check S3's bucket naming rules; ``{stack}`` is allowed and checked once expanded."""
    if not isinstance(name, str) or not name:
        raise PipelineDefinitionError(f"The {what} must be a non-empty string, got {name!r}.")
    probe = name.replace(STACK_PLACEHOLDER, "stack")
    if "{" in probe or "}" in probe:
        raise PipelineDefinitionError(
            f"The {what} {name!r} has a placeholder other than {{stack}}; "
            "only {stack} is expanded (to the Pulumi stack name)."
        )
    problems: list[str] = []
    bare = name.replace(STACK_PLACEHOLDER, "")
    if STACK_PLACEHOLDER not in name and not 3 <= len(name) <= 63:
        problems.append(f"it is {len(name)} characters long; S3 allows 3 to 63")
    elif len(bare) > 63:
        problems.append(f"it is at least {len(bare)} characters long; S3 allows 3 to 63")
    if not _BUCKET_CHARS.match(probe):
        problems.append(
            "it may contain only lowercase letters, digits, dots and hyphens, "
            "and must begin and end with a letter or digit"
        )
    if ".." in probe:
        problems.append("it has two adjacent dots")
    try:
        ipaddress.IPv4Address(probe)
        problems.append("it is formatted as an IP address")
    except ValueError:
        pass
    problems += [
        f"it starts with {p!r}, which S3 reserves" for p in _BAD_PREFIXES if probe.startswith(p)
    ]
    problems += [
        f"it ends with {s!r}, which S3 reserves" for s in _BAD_SUFFIXES if probe.endswith(s)
    ]
    if problems:
        hint = name.lower().replace("_", "-")
        fix = f" Try {hint!r}." if hint != name and _BUCKET_CHARS.match(hint) else ""
        raise PipelineDefinitionError(f"Invalid {what} {name!r}: {'; '.join(problems)}.{fix}")


MAX_FILTER_BYTES = 1024
"""S3's limit on a notification filter's prefix or suffix (UTF-8 bytes)."""

_IAM_SPECIALS = {
    "*": "an IAM wildcard (it would grant every key it matches, '*' alone the whole bucket)",
    "?": "an IAM single-character wildcard",
    "$": "the start of an IAM policy variable such as ${aws:username}",
}


def _check_prefix(value: str | None, what: str, *, is_prefix: bool = True) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise PipelineDefinitionError(f"The {what} must be a string, got {value!r}.")
    if value.startswith("/"):
        raise PipelineDefinitionError(
            f"The {what} {value!r} starts with '/'; S3 keys do not, so nothing would match. "
            f"Use {value.lstrip('/')!r}."
        )
    size = len(value.encode("utf-8"))
    if size > MAX_FILTER_BYTES:
        raise PipelineDefinitionError(
            f"The {what} {value[:40]!r}... is {size} bytes long; S3 notification filters take at "
            f"most {MAX_FILTER_BYTES} bytes. Use a shorter one."
        )
    if is_prefix:
        for char, meaning in _IAM_SPECIALS.items():
            if char in value:
                raise PipelineDefinitionError(
                    f"The {what} {value!r} contains {char!r}, which becomes {meaning} in the IAM "
                    f"policy scoped to it. S3 filters match prefixes literally, without "
                    f"wildcards; remove {char!r} from the prefix."
                )
    return value


def _warn_unterminated(prefixes: Sequence[str], label: str) -> None:
    """Warn once per prefix that does not end in '/' (``in`` also matches ``invoices/...``)."""
    for prefix in dict.fromkeys(p for p in prefixes if p and not p.endswith("/")):
        warnings.warn(
            f"{label}: prefix {prefix!r} does not end in '/', so it also matches keys such as "
            f"{prefix + '-archive/x'!r}. Write {prefix + '/'!r} if you mean a folder.",
            UserWarning,
            stacklevel=3,
        )


@dataclass(frozen=True)
class S3Event:
    """One S3 event subscription: an event type with optional key prefix and suffix filters."""

    trigger: str
    """The event type, e.g. ``s3:ObjectCreated:*``."""
    prefix: str = ""
    """Only keys that start with this fire the event (empty: every key)."""
    suffix: str = ""
    """Only keys that end with this fire the event (empty: every key)."""

    def __post_init__(self) -> None:
        if self.trigger not in S3_EVENT_TYPES:
            close = difflib.get_close_matches(str(self.trigger), S3_EVENT_TYPES, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise PipelineDefinitionError(
                f"Unknown S3 event type {self.trigger!r}.{hint} Use S3.ALL_CREATED_OBJECTS, "
                "S3.ALL_REMOVED_OBJECTS or one of the event types S3 documents."
            )
        object.__setattr__(self, "prefix", _check_prefix(self.prefix, "event prefix"))
        object.__setattr__(
            self, "suffix", _check_prefix(self.suffix, "event suffix", is_prefix=False)
        )

    @property
    def creates_objects(self) -> bool:
        """True when the event fires for new objects (what a writing function produces)."""
        return self.trigger.startswith("s3:ObjectCreated:")

    def overlaps(self, other: S3Event) -> bool:
        """True when one object event could match both subscriptions (AWS refuses that)."""
        return (
            _types_overlap(self.trigger, other.trigger)
            and _prefixes_overlap(self.prefix, other.prefix)
            and _suffixes_overlap(self.suffix, other.suffix)
        )

    def describe(self) -> str:
        """A short human description, e.g. ``s3:ObjectCreated:* on in/*.csv``."""
        return f"{self.trigger} on {self.prefix or ''}*{self.suffix or ''}"


def _types_overlap(a: str, b: str) -> bool:
    if a == b:
        return True
    family_a, family_b = a.rsplit(":", 1)[0], b.rsplit(":", 1)[0]
    return family_a == family_b and (a.endswith(":*") or b.endswith(":*"))


def _prefixes_overlap(a: str, b: str) -> bool:
    return a.startswith(b) or b.startswith(a)


def _suffixes_overlap(a: str, b: str) -> bool:
    return a.endswith(b) or b.endswith(a)


class S3(Node):
    """An S3 bucket, or a key prefix in one.

    As a source (``S3(...) >> function``) it sends the events in ``on`` to the function; as a
    destination (``function >> S3(...)``) the function writes under ``prefix``.

    :param bucket_name: the physical bucket name; ``{stack}`` expands to the stack name.
    :param region_name: the bucket's region; ``None`` means the stack's ``aws:region``.
    :param on: events that invoke the functions this bucket feeds: event types such as
        :attr:`S3.ALL_CREATED_OBJECTS`, or :meth:`S3.event` subscriptions with filters.
        A plain event type, or an :meth:`S3.event` naming only a suffix, is filtered by
        ``prefix`` too; an event naming another prefix than ``prefix`` is refused.
    :param prefix: the key prefix this node stands for (where writes go, what triggers fire on).
        It may not contain ``*``, ``?`` or ``$`` (IAM reads them as wildcards or variables) nor
        exceed 1,024 bytes; one that does not end in ``/`` draws a warning.
    :param versioning: turn on S3 versioning; each event then names the version it is about, and
        the functions it triggers read exactly that version (``s3:GetObjectVersion``).
    :param noncurrent_days: with ``versioning``, days after which a lifecycle rule expires
        versions that are no longer current.
    :param via: how the bucket delivers ``on`` events: ``"notification"`` (the default: the
        bucket's notification configuration, where AWS refuses overlapping filters) or
        ``"eventbridge"`` (the bucket sends its events to EventBridge and one rule per edge
        routes them to a function or a queue; rules match independently, so filters may
        overlap).
    """

    kind: ClassVar[str] = "S3"
    ALL_CREATED_OBJECTS: ClassVar[str] = "s3:ObjectCreated:*"
    """Every object creation: put, post, copy and completed multipart upload."""
    ALL_REMOVED_OBJECTS: ClassVar[str] = "s3:ObjectRemoved:*"
    """Every object removal: delete and delete-marker creation."""

    def __init__(
        self,
        bucket_name: str,
        region_name: str | None = None,
        on: Sequence[str | S3Event] | None = None,
        prefix: str | None = None,
        *,
        versioning: bool = False,
        noncurrent_days: int = 30,
        via: str = NOTIFICATION,
    ) -> None:
        validate_bucket_name(bucket_name)
        if via not in VIA:
            raise PipelineDefinitionError(
                f"via={via!r} of S3({bucket_name!r}) is not one of "
                f"{', '.join(map(repr, VIA))}; pass via='eventbridge' to route the bucket's "
                "events with EventBridge rules, or leave it unset for the bucket notification."
            )
        self.via: str = via
        """``"notification"`` or ``"eventbridge"``: how the bucket delivers ``on`` events."""
        self.bucket_name: str = bucket_name
        """The physical bucket name (``{stack}`` not yet expanded)."""
        self.region_name: str | None = check_region(region_name)
        """The bucket's region, or ``None`` for the stack's region."""
        self.prefix: str = _check_prefix(prefix, f"prefix of S3({bucket_name!r})")
        """The key prefix this node stands for ('' for the whole bucket)."""
        if isinstance(on, (str, S3Event)):
            on = [on]
        events: list[S3Event] = []
        for item in on or ():
            if isinstance(item, S3Event):
                if not item.prefix and self.prefix:
                    item = S3Event(item.trigger, prefix=self.prefix, suffix=item.suffix)
                elif item.prefix and self.prefix and item.prefix != self.prefix:
                    raise PipelineDefinitionError(
                        f"S3({bucket_name!r}, prefix={self.prefix!r}, on=...) lists "
                        f"{item.describe()!r}, whose prefix {item.prefix!r} differs from the "
                        f"node's; a trigger fires on one prefix. Drop the event's prefix (it "
                        f"then takes {self.prefix!r}), or make the node's prefix {item.prefix!r}."
                    )
                events.append(item)
            elif isinstance(item, str):
                events.append(S3Event(item, prefix=self.prefix))
            else:
                raise PipelineDefinitionError(
                    f"S3({bucket_name!r}, on=...) got {item!r}; give event types such as "
                    "S3.ALL_CREATED_OBJECTS or S3.event(S3.ALL_CREATED_OBJECTS, prefix='in/')."
                )
        for item in events:
            if via == EVENTBRIDGE and item.trigger not in _EVENTBRIDGE:
                raise PipelineDefinitionError(
                    f"S3({bucket_name!r}, via='eventbridge') lists {item.trigger!r}, which S3 "
                    "does not send to EventBridge; use the bucket notification (drop via=) for "
                    "it, or one of the object created, removed, restore, tagging, ACL, "
                    "lifecycle and tiering events."
                )
        for i, a in enumerate(events):
            for b in events[i + 1 :]:
                if via == NOTIFICATION and a.overlaps(b):
                    raise PipelineDefinitionError(
                        f"S3({bucket_name!r}, on=...) lists overlapping events {a.describe()!r} "
                        f"and {b.describe()!r}; one object event would match both. Keep one, "
                        "give each its own prefix or suffix, or route them with "
                        f"S3({bucket_name!r}, ..., via='eventbridge') (rules may overlap)."
                    )
        self.on: tuple[S3Event, ...] = tuple(events)
        """The event subscriptions this node sends to the functions it feeds."""
        if not isinstance(versioning, bool):
            raise PipelineDefinitionError(
                f"versioning of S3({bucket_name!r}) must be True or False, got {versioning!r}."
            )
        self.versioning: bool = versioning
        """True when the bucket keeps object versions."""
        if (
            isinstance(noncurrent_days, bool)
            or not isinstance(noncurrent_days, int)
            or noncurrent_days < 1
        ):
            raise PipelineDefinitionError(
                f"noncurrent_days of S3({bucket_name!r}) is {noncurrent_days!r}; it must be a "
                "whole number of days, at least 1."
            )
        self.noncurrent_days: int = noncurrent_days
        """With versioning, days before a lifecycle rule expires noncurrent versions."""
        _warn_unterminated([self.prefix, *(e.prefix for e in events)], self.label)

    @staticmethod
    def event(trigger: str, prefix: str | None = None, suffix: str | None = None) -> S3Event:
        """An event subscription with key filters, e.g. ``S3.event(S3.ALL_CREATED_OBJECTS, prefix="in/")``."""
        return S3Event(trigger, prefix or "", suffix or "")

    @property
    def key(self) -> str:
        """The bucket name."""
        return self.bucket_name

    @property
    def label(self) -> str:
        """``S3('bucket')``, or ``S3('bucket', prefix='out/')`` when a prefix is set."""
        if self.prefix:
            return f"S3({self.bucket_name!r}, prefix={self.prefix!r})"
        return f"S3({self.bucket_name!r})"


_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")


def check_region(region: str | None) -> str | None:
    """Accept ``None`` or an AWS region name such as ``us-east-1``."""
    if region is None:
        return None
    if not isinstance(region, str) or not _REGION.match(region):
        raise PipelineDefinitionError(
            f"Region {region!r} is not an AWS region name such as 'us-east-1'; "
            "pass None to use the stack's aws:region."
        )
    return region
