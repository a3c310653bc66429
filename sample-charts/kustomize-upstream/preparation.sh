#!/bin/sh
# Fill every *.yaml.template from user-values.env into *.yaml.local,
# then promote kustomization.yaml.local to kustomization.yaml.
set -e
set -a
. ./user-values.env
set +a
for t in *.yaml.template; do
    envsubst < "$t" > "${t%.template}.local"
done
mv kustomization.yaml.local kustomization.yaml
