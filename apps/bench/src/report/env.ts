/** The machine and software a report was measured on. */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';

export interface Environment {
  date: string;
  cpu: string;
  /** Logical cores the OS reports, and how many this process may use. */
  cores: number;
  availableParallelism: number;
  memoryGB: number;
  os: string;
  node: string;
  v8: string;
  /** Load averages (1, 5, 15 min) when the run started and ended: the machine is shared. */
  loadAverageStart: number[];
  loadAverageEnd?: number[];
  git?: { commit: string; dirty: boolean };
  packages: Record<string, string>;
}

const PACKAGES = [
  '@cnn/core',
  '@cnn/backend-cpu',
  '@cnn/backend-tfjs',
  '@cnn/backend-gpujs',
  '@cnn/models',
  '@tensorflow/tfjs-core',
  '@tensorflow/tfjs-backend-cpu',
  '@tensorflow/tfjs-backend-wasm',
  '@tensorflow/tfjs-layers',
  'convnetjs',
];

/** A package's version, found from its entry point up to its package.json (exports maps may hide it). */
export function packageVersion(name: string, from = import.meta.url): string | undefined {
  const require = createRequire(from);
  let path: string;
  try {
    path = require.resolve(name);
  } catch {
    return undefined;
  }
  for (let dir = dirname(path); dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === name) return pkg.version;
  }
  return undefined;
}

function gitInfo(): Environment['git'] {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      encoding: 'utf8',
    });
    return { commit, dirty: status.trim().length > 0 };
  } catch {
    return undefined;
  }
}

export function captureEnvironment(): Environment {
  const packages: Record<string, string> = {};
  for (const name of PACKAGES) {
    const version = packageVersion(name);
    if (version) packages[name] = version;
  }
  return {
    date: new Date().toISOString(),
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.cpus().length,
    availableParallelism: os.availableParallelism(),
    memoryGB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    node: process.version,
    v8: process.versions.v8,
    loadAverageStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
    git: gitInfo(),
    packages,
  };
}
