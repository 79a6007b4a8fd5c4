import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * Child processes run the package's TypeScript: this transpiles src/ and test/child/ into a temporary
 * folder (Node 20 cannot run TypeScript) whose node_modules is this package's. `script` gives the path of
 * a transpiled test/child script; `remove` deletes the folder.
 */
export async function buildForChildren(): Promise<{
  script: (name: string) => string;
  remove: () => Promise<void>;
}> {
  const out = await mkdtemp(join(tmpdir(), 'cnn-node-children-'));
  for (const folder of ['src', 'test/child']) {
    await mkdir(join(out, folder), { recursive: true });
    for (const name of await readdir(join(root, folder))) {
      if (!name.endsWith('.ts')) continue;
      const { outputText } = ts.transpileModule(await readFile(join(root, folder, name), 'utf8'), {
        fileName: name,
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      });
      await writeFile(join(out, folder, name.replace(/\.ts$/, '.js')), outputText);
    }
  }
  await writeFile(join(out, 'package.json'), '{ "type": "module" }\n');
  await symlink(join(root, 'node_modules'), join(out, 'node_modules'), 'junction');
  return {
    script: (name) => join(out, 'test/child', name.replace(/\.ts$/, '.js')),
    remove: () => rm(out, { recursive: true, force: true }),
  };
}

export interface Child {
  process: ChildProcess;
  /** Lines printed so far. */
  lines: string[];
  /** Resolves when the child has printed `line`. */
  printed(line: string): Promise<void>;
  /** Resolves when the child has exited and its output is read. */
  closed: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

export function spawnChild(script: string, args: string[]): Child {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const waiting: { line: string; resolve: () => void }[] = [];
  let partial = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop()!;
    for (const line of parts) {
      lines.push(line);
      for (const w of waiting.filter((w) => w.line === line)) w.resolve();
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin!.on('error', () => {}); // a killed child's stdin may break
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>(
    (resolve) => child.on('close', (code, signal) => resolve({ code, signal, stderr })),
  );
  const printed = (line: string) =>
    lines.includes(line)
      ? Promise.resolve()
      : Promise.race([
          new Promise<void>((resolve) => waiting.push({ line, resolve })),
          closed.then(({ code, signal, stderr }) => {
            throw new Error(`the child exited (${code ?? signal}) before printing '${line}':\n${stderr}`);
          }),
        ]);
  return { process: child, lines, printed, closed };
}

/** The pid of a process that has exited (and been reaped). */
export async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.on('close', resolve));
  return child.pid!;
}
