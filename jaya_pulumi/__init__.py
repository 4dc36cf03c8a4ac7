"""jaya_pulumi: AWS data pipelines as Python expressions, deployed and tested with Pulumi."""
