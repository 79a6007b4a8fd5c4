import { describe, expect, it } from 'vitest';
// From dist: the orchestrator starts its Node workers from the built worker.js (turbo builds before test).
import { runBench } from '../dist/orchestrate.js';
import { QUICK_POLICY } from '../dist/run-task.js';
import { allTasks } from '../dist/tasks.js';

// `--browser` end to end: the orchestrator runs backend-cpu in a Node worker, then the browser-only engines in
// headless Chromium (WebGL2 on SwiftShader), each checked against backend-cpu's output before it is timed.
describe('--browser', () => {
  it('runs gpujs and TF.js webgl in Chromium, checked against backend-cpu', async () => {
    const tasks = allTasks(true).filter((t) => t.id === 'gemm-128' || t.id === 'lenet5-train');
    expect(tasks).toHaveLength(2);
    const subjects = ['cpu', 'gpujs@chromium', 'tf-webgl@chromium'];
    const { results, unavailable } = await runBench({
      tasks,
      subjects,
      quick: true,
      policy: QUICK_POLICY,
      timeoutMs: 120_000,
      concurrency: 1,
    });
    expect(unavailable).toEqual({});
    expect(results).toHaveLength(tasks.length * subjects.length);
    for (const r of results) {
      expect(r.status, `${r.task} on ${r.subject}: ${r.reason}`).toBe('ok');
      expect(r.rate!.median).toBeGreaterThan(0);
      if (r.subject !== 'cpu') expect(r.agreement!.mismatches).toBe(0);
    }
  }, 180_000);
});
