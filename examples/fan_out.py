"""Fan-out: every object landing in one bucket is copied to two others, through one SNS topic.

One bucket notification can send an event to one place only (overlapping filters are refused as
"ambiguously defined"), so the bucket publishes to a topic and the topic invokes both functions.
"""

from jaya_pulumi import S3, SNS, CopyS3Lambda, Pipeline

landing = S3("fan-out-landing-{stack}", on=[S3.ALL_CREATED_OBJECTS])
new_objects = SNS("new-objects")
archive = CopyS3Lambda({}, name="archive") >> S3("fan-out-archive-{stack}")
mirror = CopyS3Lambda({}, name="mirror") >> S3("fan-out-mirror-{stack}", prefix="mirror/")

piper = Pipeline("fan-out", [landing >> new_objects >> [archive, mirror]])
