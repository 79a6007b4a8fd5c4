/**
 * Process memory, as the operating system sees it: resident set size (RSS) now and its high-water mark.
 * Each measurement runs in its own worker process, so the high-water mark is that task's peak on that
 * subject (Node itself, the subject's library, host copies of the data, and the subject's buffers).
 */
import { readFileSync, writeFileSync } from 'node:fs';

function statusField(field: string): number | null {
  try {
    const match = readFileSync('/proc/self/status', 'utf8').match(new RegExp(`${field}:\\s+(\\d+) kB`));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

export function rssBytes(): number {
  return process.memoryUsage.rss();
}

/** Peak RSS of this process in bytes: Linux's VmHWM, else getrusage's maxRSS. */
export function peakRssBytes(): number {
  return statusField('VmHWM') ?? process.resourceUsage().maxRSS * 1024;
}

/**
 * Resets the high-water mark to the current RSS (Linux >= 4.0, `echo 5 > /proc/self/clear_refs`), so the
 * peak read later belongs to what ran in between. Returns false where the system does not allow it.
 */
export function resetPeakRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

export const MB = 1024 * 1024;
