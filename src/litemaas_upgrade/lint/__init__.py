"""`lint`: judge states and transitions of deployment targets against the rules.

The rules live one per module in `lint.rules` (code, name, severity, explanation and a
`check` generator); the output formats live in `lint.formatters`. `lint.resolve` builds
what the rules look at from the repository (the work tree, and a git base), `lint.plancheck`
from a plan file; `lint.suppress` applies the `# litemaas-upgrade: ignore CODE reason`
comments; `lint.runner` puts them together.
"""
