/**
 * `--browser`: the browser subjects' jobs run in headless Chromium (Debian's /usr/bin/chromium, driven by
 * playwright; never a downloaded browser). The page bundle (page.ts and everything it imports,
 * engines included) is built once per run with rolldown and served from 127.0.0.1 together with the MNIST
 * digits and the reference outputs, so a page fetches nothing from elsewhere.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeMnist, loadMnistCached } from '../data.js';
import type { TaskResult, TimingPolicy } from '../run-task.js';

export interface BrowserJob {
  subject: string;
  task?: string;
  quick: boolean;
  policy: TimingPolicy;
  timed: boolean;
  /** Where the page fetches the reference output (a float32 file the orchestrator wrote). */
  referenceUrl?: string;
}

/** Launch flags that work as root on a machine without a GPU (ENVIRONMENT.md); WebGL2 is SwiftShader. */
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--enable-unsafe-swiftshader',
  // WebGPU (SwiftShader's Vulkan): needs this flag and a secure context, which 127.0.0.1 is.
  '--enable-unsafe-webgpu',
];
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const PAGE = `<!doctype html><meta charset="utf-8"><title>cnn-bench</title><script type="module" src="/page.js"></script>`;

export interface BrowserSession {
  run(job: BrowserJob, timeoutMs: number): Promise<TaskResult>;
  close(): Promise<void>;
}

async function bundlePage(dir: string): Promise<void> {
  const { build } = await import('rolldown');
  await build({
    input: fileURLToPath(new URL('./page.js', import.meta.url)),
    platform: 'browser',
    logLevel: 'silent',
    output: { dir, format: 'esm', entryFileNames: 'page.js', chunkFileNames: '[name]-[hash].js' },
  });
}

/**
 * Starts the server and the browser. `files` is the orchestrator's folder of reference outputs, served
 * under /files/.
 */
export async function startBrowserSession(files: string): Promise<BrowserSession> {
  const www = await mkdtemp(join(tmpdir(), 'cnn-bench-www-'));
  await bundlePage(www);
  let mnist: Uint8Array | null = null;
  const server: Server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    try {
      let body: Uint8Array | string;
      let type = 'application/octet-stream';
      if (path === '/') [body, type] = [PAGE, 'text/html'];
      else if (path === '/mnist.bin') body = mnist ??= encodeMnist(loadMnistCached());
      else if (path.startsWith('/files/')) body = await readFile(join(files, basename(path)));
      else [body, type] = [await readFile(join(www, basename(path))), 'text/javascript'];
      res.writeHead(200, { 'content-type': type }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const { chromium } = await import('playwright');
  const browser = await chromium
    .launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS })
    .catch((error: Error) => {
      server.close();
      throw new Error(
        `--browser: headless Chromium did not start (${error.message.split('\n')[0]}); install it with apt-get install -y chromium or set CHROMIUM_PATH`,
      );
    });
  return {
    async run(job, timeoutMs) {
      const base = { task: job.task ?? '', subject: job.subject };
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      try {
        await page.goto(`${origin}/`);
        await page.waitForFunction(() => 'runBenchJob' in globalThis, null, { timeout: 60_000 });
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<TaskResult>((resolve) => {
          timer = setTimeout(
            () =>
              resolve({
                ...base,
                status: 'error',
                reason: `timed out after ${Math.round(timeoutMs / 1000)} s`,
              }),
            timeoutMs,
          );
        });
        const result = page.evaluate(
          (j) =>
            (globalThis as unknown as { runBenchJob(j: BrowserJob): Promise<TaskResult> }).runBenchJob(j),
          job,
        );
        return await Promise.race([result, timeout]).finally(() => clearTimeout(timer));
      } catch (error) {
        const reason = errors[0] ?? (error as Error).message.split('\n')[0]!;
        return { ...base, status: 'error', reason: `in Chromium: ${reason}` };
      } finally {
        await page.close().catch(() => {});
      }
    },
    async close() {
      await browser.close().catch(() => {});
      server.close();
      await rm(www, { recursive: true, force: true });
    },
  };
}
