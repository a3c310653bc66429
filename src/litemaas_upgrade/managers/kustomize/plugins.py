"""The plugin configs of a kustomize build (a part of Builder, resources.py): what a
kustomization's `generators:`, `transformers:` and `validators:` name.

`kubectl kustomize` (and `kustomize build` without flags) runs only its builtin plugins:
a config whose `apiVersion` is `builtin` and whose kind is one of the kinds below, in the
list that suits it (a generator under `generators:`, a transformer under `transformers:`
or `validators:`). Anything else (ksops, a KRM function, an exec plugin) is refused:
"external plugins disabled; unable to load external plugin 'ksops'", and the whole build
renders nothing. HelmChartInflationGenerator needs `--enable-helm`. An entry names a
file of configs, a folder whose kustomization lists them, or is the config itself
(inline YAML)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ...errors import InputError
from ...facts import Cause
from ...yamlio import YamlFile
from .names import is_remote, kustomization_file

TYPE_CHECKING = False  # (typing is not loaded at run time: start-up, see launch.py)
if TYPE_CHECKING:
    from typing import Any

    from ...source import Source
    from ...yamlio import YamlDoc
    from .resources import Build

GENERATORS = frozenset({"ConfigMapGenerator", "SecretGenerator", "IAMPolicyGenerator"})
TRANSFORMERS = frozenset(
    {
        "AnnotationsTransformer",
        "HashTransformer",
        "ImageTagTransformer",
        "LabelTransformer",
        "NamespaceTransformer",
        "PatchJson6902Transformer",
        "PatchStrategicMergeTransformer",
        "PatchTransformer",
        "PrefixSuffixTransformer",
        "PrefixTransformer",
        "SuffixTransformer",
        "ReplacementTransformer",
        "ReplicaCountTransformer",
        "ValueAddTransformer",
    }
)
HELM = "HelmChartInflationGenerator"
PLUGIN_KEYS = ("generators", "transformers", "validators")


class PluginConfigs:
    """Builder's check of plugin configs; what it uses of the rest of Builder is here."""

    src: Source
    out: Build
    if TYPE_CHECKING:
        _refuse: Callable[..., None]
        _unreadable: Callable[..., None]
        _locate: Callable[[str, str, str, Any], str | None]
        _yaml: Callable[[str], YamlFile]

    def _plugins(self, folder: str, kfile: str, doc: YamlDoc, key: str, items: Any) -> bool:
        """Refuse the build for a plugin kustomize does not run without flags; True when
        every config is a builtin kustomize runs (whose effect on images is not modelled)."""
        runs = True
        for i, entry in enumerate(items if isinstance(items, list) else []):
            if not isinstance(entry, str):
                continue
            node = doc.find((key, i))
            for config in self._configs(folder, kfile, node, key, entry):
                why = _refusal(key, config)
                if why is None and "image" in repr(config).lower():
                    what = f"{key}: the builtin {config.get('kind')} is not modelled by this tool"
                    self._unreadable(f"{what}; it may change images", kfile, node)
                    self.out.unmodelled.append((what, tuple(_strings(config))))
                elif why is not None:
                    runs = False
                    shown = entry if "\n" not in entry else "(inline)"
                    api, kind = config.get("apiVersion", ""), config.get("kind", "")
                    self._refuse(
                        f"{key}: {shown} configures the plugin {api} {kind}".replace("  ", " ")
                        + f": kustomize refuses the build ({why})",
                        kfile,
                        node,
                        Cause.PLUGIN,
                    )
        return runs

    def _configs(
        self, folder: str, kfile: str, node: Any, key: str, entry: str
    ) -> Iterator[dict[str, Any]]:
        if "\n" in entry:  # the config itself
            try:
                parsed = YamlFile.parse(entry.encode("utf-8"), f"{self.src.display(kfile)} {key}")
            except InputError as exc:
                self._refuse(f"{key}: inline config does not parse: {exc.message}", kfile, node)
                return
            yield from (d.data for d in parsed.documents if isinstance(d.data, dict))
            return
        if is_remote(entry):
            self._unreadable(
                f"remote {key} config {entry}: not fetched; what it does to images is unknown",
                kfile,
                node,
                cause=Cause.REMOTE_RESOURCE,
            )
            return
        rel = self._locate(folder, entry, kfile, node)
        if rel is None:
            return
        yield from self._configs_at(rel, kfile, node, key, entry, set())

    def _configs_at(
        self, rel: str, kfile: str, node: Any, key: str, entry: str, seen: set[str]
    ) -> Iterator[dict[str, Any]]:
        if self.src.exists(rel):
            yield from (d.data for d in self._yaml(rel).documents if isinstance(d.data, dict))
            return
        inner = kustomization_file(self.src, rel) if self.src.is_dir(rel) else None
        if inner is None:
            self._refuse(
                f"{key}: {entry}: no such file (or folder with a kustomization): kustomize "
                "refuses the build",
                kfile,
                node,
                Cause.MISSING_PATH,
            )
            return
        if rel in seen:
            return
        seen.add(rel)
        data = self._yaml(inner).documents[0].data
        listed = data.get("resources") if isinstance(data, dict) else None
        for item in listed if isinstance(listed, list) else []:
            if isinstance(item, str) and not is_remote(item):
                found = self._locate(rel, item, inner, None)
                if found is not None:
                    yield from self._configs_at(found, kfile, node, key, entry, seen)


def _refusal(key: str, config: dict[str, Any]) -> str | None:
    """kustomize's words for why it will not run this config, or None if it runs it."""
    kind = str(config.get("kind", ""))
    if not kind:
        return None  # not a config: kustomize's error is about the file, not a plugin
    if config.get("apiVersion") != "builtin":
        return f"external plugins disabled; unable to load external plugin '{kind}'"
    if kind == HELM:
        return f"{HELM} must specify --enable-helm"
    if kind not in GENERATORS | TRANSFORMERS:
        return f"unable to load builtin {kind}"
    if key == "generators" and kind not in GENERATORS:
        return f"plugin {kind} not a generator"
    if key != "generators" and kind not in TRANSFORMERS:
        return f"plugin {kind} not a transformer"
    return None


def _strings(value: Any) -> Iterator[str]:
    """Every string of a config (the image names it may change are among them)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
