"""What the tool writes: atomic file writes, unified diffs, plan.json, the runbook."""
