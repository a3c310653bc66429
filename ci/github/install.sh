#!/usr/bin/env bash
# The action's first step: install litemaas-upgrade from the action's own checkout
# ($GITHUB_ACTION_PATH, the tag or commit the workflow pinned) into a virtual environment of
# its own under $RUNNER_TEMP, so that neither the workflow's Python packages nor a newer
# release change what runs. Output `bin`: the environment's bin folder.
set -euo pipefail
case "${RENDERED:-false}" in
  true) spec="${GITHUB_ACTION_PATH:?}[render]" ;;  # helm-python-sdk, for diff --rendered
  false) spec="${GITHUB_ACTION_PATH:?}" ;;
  *) echo "::error title=litemaas-upgrade::input rendered: expected true or false, got '${RENDERED}'"; exit 2 ;;
esac
venv="${RUNNER_TEMP:?}/litemaas-upgrade-venv"
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$spec"
"$venv/bin/litemaas-upgrade" --help >/dev/null  # installed and runnable, or fail here
echo "bin=$venv/bin" >>"${GITHUB_OUTPUT:?}"
