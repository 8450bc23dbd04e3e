/**
 * Child processes for the e2e layer: a command run to completion with its output, in its own process
 * group with a timeout (a browser or CLI that hangs is killed, group and all), and the operator CLI as an
 * operator runs it, pointed at a sandbox only through the endpoint variables.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

const children = new Set<ChildProcess>();

/** Kills whatever is still running (call in afterAll): each child is the leader of its own group. */
export function killStragglers(): void {
  for (const child of children) if (child.pid && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
}

export function runProcess(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd ?? ROOT, env: options.env ?? process.env, detached: true });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d) => {
      stdout += String(d);
    });
    child.stderr?.on('data', (d) => {
      stderr += String(d);
    });
    const timer = setTimeout(() => {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
      reject(new Error(`${command} did not finish within ${options.timeoutMs} ms`));
    }, options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * The CLI as the package ships it: the `bin`, which runs dist/cli.js as `npm ci` builds it (cli/build.js);
 * the e2e project's global setup builds it from the source under test before any test spawns it.
 */
export const SHIPPED_CLI = join(ROOT, 'cli', 'backup-pipeline.js');

/** `backup-pipeline <args>` with the sandbox's endpoint variables, and no pipeline names from the environment. */
export function runCli(
  sandboxEnv: Record<string, string>,
  args: string[],
  env: Record<string, string | undefined> = {},
  cwd = ROOT,
): Promise<Ran> {
  return runProcess(process.execPath, [SHIPPED_CLI, ...args], {
    cwd,
    env: {
      ...process.env,
      ...sandboxEnv,
      BACKUP_PIPELINE_STATE_MACHINE_ARN: '',
      BACKUP_PIPELINE_TABLE: '',
      ...env,
    },
  });
}
