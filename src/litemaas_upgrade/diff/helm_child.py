"""The child process that renders one Helm chart for `diff --rendered` (sandbox.py):
a JSON request on stdin ({chart, values, name, namespace}), a JSON answer on stdout
({"manifests": {template: text}} or {"error": message}). Run with the sandbox's limits
on time and memory, so that a template bomb ends here and not in the tool's process."""

from __future__ import annotations

import json
import sys

# What one chart may render: more is no deployment anyone reviews in a diff, and the
# parent would hold all of it (the rendering's own memory is capped by the sandbox).
MAX_OUTPUT = 64 * 1024 * 1024


def main() -> int:
    request = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    import helm_python

    try:
        with helm_python.Chart.load(request["chart"]) as chart:
            manifests = chart.render(
                request["values"], name=request["name"], namespace=request["namespace"]
            )
    except helm_python.HelmError as exc:
        answer: dict = {"error": str(exc)}
    else:
        size = sum(len(text) for text in manifests.values())
        if size > MAX_OUTPUT:
            answer = {"too_large": size}
        else:
            answer = {"manifests": manifests}
    sys.stdout.write(json.dumps(answer))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
