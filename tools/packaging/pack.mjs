#!/usr/bin/env node
// Packs every published package as it would be released, without pnpm: builds it (tsc, and the
// conformance browser build), copies it into a temporary folder, gives it the version the pending
// changesets would give it (`changeset status`; `--current` keeps today's versions), rewrites every
// `workspace:` range to that real version (what `pnpm publish` does), and runs `npm pack` there.
//
//   node tools/packaging/pack.mjs [--out DIR] [--current] [--no-build]
//
// Prints the tarballs as JSON ({ name, version, tarball }[]). Used by check-consumer.mjs.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PUBLIC_PACKAGES } from './packages.mjs';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);

/** The versions the pending changesets would release: { name: newVersion }. */
export function plannedVersions() {
  const dir = mkdtempSync(join(tmpdir(), 'cnn-plan-'));
  try {
    const file = join(dir, 'plan.json');
    // --output is relative to the root it runs in
    execFileSync(bin('changeset'), ['status', `--output=${relative(root, file)}`], {
      cwd: root,
      stdio: 'pipe',
    });
    const plan = JSON.parse(readFileSync(file, 'utf8'));
    return Object.fromEntries(plan.releases.map((r) => [r.name, r.newVersion]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The package's own build script (tsc, plus what it generates: backend-cpu's wasm, conformance's browser build). */
function build(pkgDir) {
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: pkgDir, stdio: 'inherit' });
}

/** Files compiled from a source that no longer exists are left out (dist is never cleaned in place). */
function staleDistFile(pkgDir, file) {
  const rel = relative(join(pkgDir, 'dist'), file);
  if (rel.startsWith('browser')) return false;
  const base = rel.replace(/(\.d)?\.(js|ts)(\.map)?$/, '');
  if (base === rel) return false;
  return !existsSync(join(pkgDir, 'src', `${base}.ts`));
}

const DEP_FIELDS = ['dependencies', 'peerDependencies', 'optionalDependencies', 'devDependencies'];

function rewriteRange(range, version) {
  if (!range.startsWith('workspace:')) return range;
  const rest = range.slice('workspace:'.length);
  if (rest === '*') return version;
  if (rest === '^' || rest === '~') return `${rest}${version}`;
  return rest;
}

/** Packs all published packages into `outDir`; returns { name, version, tarball }[]. */
export function packAll({ outDir, current = false, doBuild = true } = {}) {
  const planned = current ? {} : plannedVersions();
  const manifests = PUBLIC_PACKAGES.map((p) => ({
    ...p,
    abs: join(root, p.dir),
    json: JSON.parse(readFileSync(join(root, p.dir, 'package.json'), 'utf8')),
  }));
  const versions = Object.fromEntries(manifests.map((m) => [m.name, planned[m.name] ?? m.json.version]));
  mkdirSync(outDir, { recursive: true });
  const stage = mkdtempSync(join(tmpdir(), 'cnn-pack-'));
  const packed = [];
  try {
    for (const m of manifests) {
      if (doBuild) build(m.abs);
      const dest = join(stage, m.name.replace('/', '__'));
      cpSync(m.abs, dest, {
        recursive: true,
        filter: (src) => {
          const rel = relative(m.abs, src);
          if (rel === 'node_modules' || rel.startsWith(`node_modules/`) || rel === '.turbo') return false;
          return !(rel.startsWith('dist/') && staleDistFile(m.abs, src));
        },
      });
      const json = structuredClone(m.json);
      json.version = versions[m.name];
      for (const field of DEP_FIELDS) {
        for (const [dep, range] of Object.entries(json[field] ?? {})) {
          if (!range.startsWith('workspace:')) continue;
          if (!versions[dep])
            throw new Error(`${m.name}: ${field}.${dep} is a workspace package that is not published`);
          json[field][dep] = rewriteRange(range, versions[dep]);
        }
      }
      writeFileSync(join(dest, 'package.json'), `${JSON.stringify(json, null, 2)}\n`);
      if (m.name === '@cnn/core') {
        // the second-copy check reports the released version
        const singleton = join(dest, 'dist', 'singleton.js');
        const text = readFileSync(singleton, 'utf8');
        writeFileSync(
          singleton,
          text.replace(/export const VERSION = '[^']*';/, `export const VERSION = '${json.version}';`),
        );
      }
      const out = execFileSync('npm', ['pack', '--json', '--pack-destination', resolve(outDir)], {
        cwd: dest,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const [info] = JSON.parse(out);
      packed.push({
        name: m.name,
        version: json.version,
        tarball: join(resolve(outDir), info.filename),
        files: info.files.map((f) => f.path),
        size: info.size,
      });
    }
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
  return packed;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--out');
  const outDir = at >= 0 ? args[at + 1] : join(root, 'out', 'packages');
  const packed = packAll({
    outDir,
    current: args.includes('--current'),
    doBuild: !args.includes('--no-build'),
  });
  console.log(
    JSON.stringify(
      packed.map(({ name, version, tarball, size }) => ({ name, version, tarball, size })),
      null,
      2,
    ),
  );
}
