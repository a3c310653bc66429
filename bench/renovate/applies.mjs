// Renovate's own code on the preset: which packageRules apply to each update that the
// real lookup run proposed, and how the preset's LiteLLM versioning reads tags.
//
// Usage: node applies.mjs RENOVATE_DIST PRESET.json UPDATES.json
// UPDATES.json: {"updates": [{depName, packageName, datasource, manager, packageFile,
//   currentValue, newValue, updateType, ...}], "versioning": {"scheme": "...", "current":
//   "...", "tags": [...]}}. Prints JSON on stdout.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [dist, presetPath, updatesPath] = process.argv.slice(2);
const load = (rel) => import(pathToFileURL(`${dist}/${rel}`).href);

const { applyPackageRules } = await load('util/package-rules/index.js');
const { massageConfig } = await load('config/massage.js');
const versioning = await load('modules/versioning/index.js');

const preset = massageConfig(JSON.parse(readFileSync(presetPath, 'utf8')));
const input = JSON.parse(readFileSync(updatesPath, 'utf8'));

const updates = [];
for (const u of input.updates) {
  // 'update' is the stage in which Renovate applies packageRules to a found update.
  const config = await applyPackageRules({ ...preset, ...u }, 'update');
  updates.push({
    ...u,
    groupName: config.groupName ?? null,
    groupSlug: config.groupSlug ?? null,
    prPriority: config.prPriority ?? 0,
    dependencyDashboardApproval: config.dependencyDashboardApproval === true,
    automerge: config.automerge ?? null,
    separateMultipleMinor: config.separateMultipleMinor ?? null,
    versioning: config.versioning ?? null,
  });
}

const v = versioning.get(input.versioning.scheme);
const current = input.versioning.current;
const tags = input.versioning.tags.map((tag) => {
  const valid = v.isValid(tag);
  return {
    tag,
    valid,
    version: valid ? [v.getMajor(tag), v.getMinor(tag), v.getPatch(tag)] : null,
    compatibleWithCurrent: valid ? v.isCompatible(tag, current) : false,
    greaterThanCurrent: valid && v.isValid(current) ? v.isGreaterThan(tag, current) : false,
  };
});

process.stdout.write(JSON.stringify({ updates, versioning: { scheme: input.versioning.scheme, current, tags } }, null, 1));
