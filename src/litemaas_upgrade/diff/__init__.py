"""`diff`: what a change (git base -> work tree) or a planned phase does to the
deployments, as unified diffs, JSON, JSON Patch or a pull-request comment; optionally
on the rendered manifests. Secrets are hidden unless asked for."""
