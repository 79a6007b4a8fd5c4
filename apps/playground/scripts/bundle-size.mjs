// Measures the built JavaScript: what the first page load needs (the entry chunk and the chunks index.html
// preloads) and what loads later (the backends and their engines, dynamic imports). Writes
// dist/bundle-size.json, which the page shows, and prints it.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const dist = fileURLToPath(new URL('../dist', import.meta.url));
const html = readFileSync(join(dist, 'index.html'), 'utf8');
const initialNames = new Set([...html.matchAll(/(?:src|href)="\.\/assets\/([^"]+\.js)"/g)].map((m) => m[1]));
const files = readdirSync(join(dist, 'assets')).filter((f) => f.endsWith('.js'));
const size = (f) => {
  const bytes = readFileSync(join(dist, 'assets', f));
  return { bytes: statSync(join(dist, 'assets', f)).size, gzip: gzipSync(bytes).length };
};
const sum = (list) =>
  list.reduce((a, f) => ({ bytes: a.bytes + f.bytes, gzip: a.gzip + f.gzip }), { bytes: 0, gzip: 0 });
const all = files.map((f) => ({ file: f, ...size(f) }));
const report = {
  initial: sum(all.filter((f) => initialNames.has(f.file))),
  lazy: sum(all.filter((f) => !initialNames.has(f.file))),
  total: sum(all),
  chunks: all.sort((a, b) => b.bytes - a.bytes),
};
writeFileSync(join(dist, 'bundle-size.json'), `${JSON.stringify(report, null, 1)}\n`);
const kb = (n) => `${(n / 1024).toFixed(0)} KiB`;
console.log(
  `bundle: first load ${kb(report.initial.bytes)} (${kb(report.initial.gzip)} gzip); loaded later ${kb(report.lazy.bytes)} (${kb(report.lazy.gzip)} gzip) in ${all.length - initialNames.size} chunks; .wasm files not counted`,
);
