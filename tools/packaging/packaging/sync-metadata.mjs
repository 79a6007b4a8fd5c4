#!/usr/bin/env node
// Writes the metadata of every published package (tools/packaging/packages.mjs) into its package.json,
// copies the root LICENSE into each package, and keeps @cnn/core's VERSION constant equal to its
// package.json version (run it after `changeset version`: the root script `version-packages` does).
//
//   node tools/packaging/sync-metadata.mjs           write
//   node tools/packaging/sync-metadata.mjs --check   change nothing; exit 1 listing what is out of sync
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { keywordsOf, NODE_ENGINES, PUBLIC_PACKAGES, REPOSITORY_URL } from './packages.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const check = process.argv.includes('--check');
const problems = [];

/** package.json keys in the order they are written; keys not listed keep their order after these. */
const ORDER = [
  'name',
  'version',
  'private',
  'description',
  'keywords',
  'license',
  'repository',
  'homepage',
  'bugs',
  'type',
  'sideEffects',
  'main',
  'types',
  'exports',
  'typesVersions',
  'bin',
  'files',
  'engines',
  'publishConfig',
  'scripts',
  'dependencies',
  'peerDependencies',
  'peerDependenciesMeta',
  'devDependencies',
];

function ordered(json) {
  const out = {};
  for (const key of ORDER) if (key in json) out[key] = json[key];
  for (const key of Object.keys(json)) if (!(key in out)) out[key] = json[key];
  return out;
}

function update(path, next) {
  const before = existsSync(path) ? readFileSync(path, 'utf8') : null;
  if (before === next) return;
  if (check) problems.push(`${path.slice(root.length + 1)} is out of sync`);
  else writeFileSync(path, next);
}

const license = readFileSync(join(root, 'LICENSE'), 'utf8');

for (const pkg of PUBLIC_PACKAGES) {
  const file = join(root, pkg.dir, 'package.json');
  const json = JSON.parse(readFileSync(file, 'utf8'));
  json.description = pkg.description;
  json.keywords = keywordsOf(pkg);
  json.license = pkg.license ?? 'MIT';
  if (REPOSITORY_URL) {
    json.repository = { type: 'git', url: `git+${REPOSITORY_URL}.git`, directory: pkg.dir };
    json.homepage = `${REPOSITORY_URL}/tree/main/${pkg.dir}#readme`;
    json.bugs = { url: `${REPOSITORY_URL}/issues` };
  }
  // The maps in dist point at ../src: src ships with them. LICENSE and README always.
  json.files = ['dist', 'src', ...(pkg.extraFiles ?? []), 'README.md', 'LICENSE'];
  json.engines = { node: NODE_ENGINES };
  json.publishConfig = { access: 'public' };

  // @cnn/core must be one copy per program: a peer (plus a workspace devDependency), never a dependency.
  if (pkg.name !== '@cnn/core') {
    if (json.dependencies?.['@cnn/core']) problems.push(`${pkg.name}: @cnn/core must not be a dependency`);
    if (json.peerDependencies?.['@cnn/core'] !== 'workspace:^')
      problems.push(`${pkg.name}: peerDependencies['@cnn/core'] must be 'workspace:^'`);
    if (json.devDependencies?.['@cnn/core'] !== 'workspace:^')
      problems.push(`${pkg.name}: devDependencies['@cnn/core'] must be 'workspace:^'`);
  }
  update(file, `${JSON.stringify(ordered(json), null, 2)}\n`);
  update(join(root, pkg.dir, 'LICENSE'), pkg.licenseNote ? `${license}\n${pkg.licenseNote}` : license);
}

// @cnn/core's VERSION (reported by its second-copy check) follows its package.json.
const corePkg = JSON.parse(readFileSync(join(root, 'packages/core/package.json'), 'utf8'));
const singleton = join(root, 'packages/core/src/singleton.ts');
const source = readFileSync(singleton, 'utf8');
update(
  singleton,
  source.replace(/export const VERSION = '[^']*';/, `export const VERSION = '${corePkg.version}';`),
);

if (problems.length) {
  console.error(`sync-metadata:\n  ${problems.join('\n  ')}`);
  if (check)
    console.error('run `node tools/packaging/sync-metadata.mjs` (and fix the dependency rules by hand)');
  process.exit(1);
}
console.log(check ? 'sync-metadata: every package.json is in sync' : 'sync-metadata: written');
