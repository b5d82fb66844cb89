/**
 * Process checks for the fault tests, through /proc (Linux): whether a process still runs and
 * which processes a parent has, so that a test can assert that nothing is left running.
 */
import { readFileSync, readdirSync } from 'node:fs';

/** The fields of /proc/<pid>/stat after the command name, or undefined once the process is gone. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** Whether the process still runs: a zombie has ended, only its entry waits for a reaper. */
export function running(pid: number): boolean {
  const fields = statFields(pid);
  return fields !== undefined && fields[0] !== 'Z';
}

/** The parent of a process, or undefined once it is gone. */
export function parentOf(pid: number): number | undefined {
  const ppid = statFields(pid)?.[1];
  return ppid === undefined ? undefined : Number(ppid);
}

/** The pids whose parent is `parent`, zombies included. */
export function childrenOf(parent: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    if (parentOf(Number(name)) === parent) out.push(Number(name));
  }
  return out;
}

/** Polls `test` every 50 ms for up to `ms`; whether it became true. */
export async function until(test: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!test()) {
    if (Date.now() > end) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}
