// Serves the built app (dist/) from 127.0.0.1 with the cross-origin-isolation headers (COOP + COEP) that
// SharedArrayBuffer, and so WebAssembly threads, need. `node scripts/serve.mjs [port]`; e2e/run.mjs imports it.
import { readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.u8': 'application/octet-stream',
};

/** Starts the server on `port` (0: any free port); resolves to { server, url }. */
export async function serve(root, port = 0) {
  const base = resolve(root);
  const server = createServer(async (req, res) => {
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    let path = normalize(join(base, pathname));
    if (!path.startsWith(base)) return void res.writeHead(403).end();
    try {
      if ((await stat(path)).isDirectory()) path = join(path, 'index.html');
      const body = await readFile(path);
      res.writeHead(200, {
        'content-type': types[extname(path)] ?? 'application/octet-stream',
        'cross-origin-opener-policy': 'same-origin',
        'cross-origin-embedder-policy': 'require-corp',
        'cache-control': 'no-cache',
      });
      res.end(body);
    } catch {
      res.writeHead(pathname === '/favicon.ico' ? 204 : 404).end();
    }
  });
  await new Promise((ok) => server.listen(port, '127.0.0.1', ok));
  return { server, url: `http://127.0.0.1:${server.address().port}/` };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const dist = fileURLToPath(new URL('../dist', import.meta.url));
  const { url } = await serve(dist, Number(process.argv[2] ?? 5173));
  console.log(`playground: ${url} (cross-origin isolated; Ctrl-C stops)`);
}
