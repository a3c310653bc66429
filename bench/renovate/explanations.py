"""Why Renovate and litemaas-upgrade differ on sample-charts/, one reason per kind of place.

`tool`: a site litemaas-upgrade finds or edits that Renovate does not update; `renovate`: a
LiteMaaS or LiteLLM dependency Renovate extracts where the tool has no site. An edited
site that Renovate misses with no entry here fails the check, so a new gap is never
silent. Entries name files and YAML paths (globs), never whole folders.
"""

from __future__ import annotations

from sites import Explanation

_TAG_ONLY = (
    "an override file that sets the tag but not the repository (the chart's default): "
    "Renovate's helm-values manager reads an image only from a map with both, so it never "
    "updates this tag"
)
_REPO_ONLY = (
    "an override file that sets the repository (a mirror) but not the tag, which comes from "
    "the chart: Renovate's helm-values manager needs both in one map"
)
_APP_VERSION = (
    "the chart renders its empty image tags as appVersion: Renovate's helmv3 manager reads "
    "Chart.yaml's dependencies, never appVersion as an image tag (the tool never edits it "
    "either; it writes the tag in the override file)"
)
_VALUES_STRING = (
    "Helm values inside a YAML string (Argo CD helm.values, a Flux values ConfigMap): no "
    "Renovate manager parses the string"
)

EXPLANATIONS: list[Explanation] = [
    Explanation("tool", "*Chart.yaml", "appVersion", _APP_VERSION),
    # Tags without their repository: set by hand (staging, dev) or written by phase 1,
    # which pins LiteLLM and sets the LiteMaaS tags where the chart decided them.
    *(
        Explanation("tool", f, "*image.tag", _TAG_ONLY)
        for f in (
            "envs/staging-values.yaml",
            "envs/prod-values.yaml",
            "external-litellm/litemaas-values.yaml",
            "gitops/argocd/values/dev.yaml",
            "gitops/argocd/values/eu.yaml",
            "gitops/kustomize-helm/litemaas-values.yaml",
            "umbrella/envs/prod-values.yaml",
        )
    ),
    Explanation("tool", "envs/prod-values.yaml", "litellm.image.repository", _REPO_ONLY),
    Explanation("tool", "umbrella/platform/values.yaml", "ai.litellm.image.repository", _REPO_ONLY),
    Explanation("tool", "gitops/argocd/app-values-string.yaml", "spec.source.helm.values.*",
                _VALUES_STRING),
    Explanation("tool", "gitops/flux/values-configmap.yaml", "data.values.yaml.*", _VALUES_STRING),
    Explanation(
        "tool", "gitops/argocd/app-parameters.yaml", "spec.source.helm.parameters*",
        "Argo CD helm.parameters: Renovate's argocd manager reads a source's repoURL and "
        "targetRevision, not its parameters",
    ),
    Explanation(
        "tool", "gitops/argocd/*.yaml", "spec*.helm.valuesObject.*",
        "Argo CD helm.valuesObject: Renovate's argocd manager reads a source's repoURL and "
        "targetRevision, not its values",
    ),
    Explanation(
        "tool", "gitops/flux/helmrelease.yaml", "spec.values.*",
        "Flux HelmRelease spec.values: Renovate's flux manager reads the chart reference, not "
        "the values",
    ),
    Explanation(
        "tool", "gitops/kustomize-helm/kustomization.yaml", "helmCharts[[]0].valuesInline.*",
        "kustomize helmCharts valuesInline: Renovate's kustomize manager reads the chart's "
        "name, repo and version and the images: entries, not the inline values",
    ),
    Explanation(
        "tool", "kustomize-upstream/user-values.env", "*",
        "upstream's env file (LITEMAAS_VERSION, read by preparation.sh): no Renovate manager "
        "reads it; the tool keeps it consistent with the images: entry",
    ),
    Explanation(
        "tool", "kustomize-upstream/kustomization.yaml.template", "images*",
        "upstream's template of kustomization.yaml: Renovate's kustomize manager reads only "
        "kustomization.yaml (whose entry it finds); the tool keeps the template consistent",
    ),
    Explanation(
        "tool", "dev-tools/compose.yaml", "services.litellm.image",
        "compose ${LITELLM_TAG:-main-v1.74.7-stable}: Renovate's docker-compose manager skips "
        "an image with a variable (contains-variable); the tool edits the default",
    ),
    Explanation(
        "renovate", "umbrella/platform/Chart.yaml", "dependencies[[]0].version",
        "the umbrella chart's dependency on the vendored LiteMaaS chart (charts/litemaas/, no "
        "repository): Renovate skips it (no-repository); the tool reads the vendored chart",
    ),
    Explanation(
        "renovate", "umbrella/platform/charts/litemaas/values.yaml", "litellm.image.tag",
        "the vendored subchart's default LiteLLM tag, which phase 1 overrode with the pin in "
        "umbrella/envs/prod-values.yaml: nothing renders it any more, so it is no site of the "
        "tool (which never edits a vendored subchart); Renovate would bump it to no effect",
    ),
]
