/**
 * End to end: the documented `aws` commands for `npm start -- --serve` (docs/sandbox.md, where the README
 * sends a newcomer), run as a newcomer runs them — the AWS CLI on PATH, in a shell holding only the exports
 * the sandbox printed (no AWS_* of the developer's own). The commands are read from the doc itself, so the
 * doc stays true. Skipped, with a note, where no `aws` CLI is installed.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

jest.setTimeout(120_000);

const ROOT = join(__dirname, '..', '..');
const hasAwsCli = spawnSync('aws', ['--version'], { stdio: 'ignore' }).status === 0;
if (!hasAwsCli) console.warn('readme-aws-cli: no `aws` CLI on PATH, the docs/sandbox.md commands are not run here');

/** The `aws …` lines of the `--serve` block in docs/sandbox.md (moved there from the README). */
function readmeAwsCommands(): string[] {
  const readme = readFileSync(join(ROOT, 'docs', 'sandbox.md'), 'utf8');
  const from = readme.indexOf('With `--serve`, use the sandbox like an AWS account:');
  const block = /```bash\n([\s\S]*?)```/.exec(readme.slice(from))?.[1] ?? '';
  return block.split('\n').filter((line) => line.startsWith('aws '));
}

async function serve(): Promise<{ child: ChildProcess; exports: Record<string, string> }> {
  const child = spawn(
    process.execPath,
    [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'cli/index.ts', 'local', '--serve'],
    { cwd: ROOT, env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'SILENT' } },
  );
  let stdout = '';
  child.stdout?.on('data', (d) => {
    stdout += String(d);
  });
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      if (stdout.includes('Ctrl-C stops it.')) {
        clearInterval(timer);
        resolve();
      }
    }, 50);
  });
  const exports = Object.fromEntries(
    [...stdout.matchAll(/^\s*export (\w+)=(\S+)$/gm)].map((m) => [m[1] as string, m[2] as string]),
  );
  return { child, exports };
}

describe('README: the AWS CLI against npm start -- --serve', () => {
  (hasAwsCli ? it : it.skip)('runs every README aws command with only the printed exports', async () => {
    // Prepare
    const commands = readmeAwsCommands();
    expect(commands.map((c) => c.split(' ').slice(0, 3).join(' '))).toEqual([
      'aws stepfunctions start-execution',
      'aws stepfunctions list-executions',
    ]);
    const { child, exports } = await serve();
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      // A shell with nothing of the developer's AWS setup: PATH, an empty HOME, and the exports.
      const env = { PATH: process.env.PATH ?? '', HOME: mkdtempSync(join(tmpdir(), 'aws-home-')), ...exports };
      expect(Object.keys(exports)).toEqual(expect.arrayContaining(['AWS_REGION', 'AWS_DEFAULT_REGION']));

      // Act
      const outputs = commands.map((command) => spawnSync('bash', ['-c', command], { env, encoding: 'utf8' }));

      // Assess: each succeeded; the execution started is the one listed.
      for (const out of outputs) expect({ status: out.status, stderr: out.stderr }).toEqual({ status: 0, stderr: '' });
      const started = JSON.parse(outputs[0]?.stdout ?? '{}') as { executionArn?: string };
      expect(started.executionArn).toMatch(/^arn:aws:states:eu-west-1:111122223333:execution:BackupPipeline-backup:/);
      const listed = JSON.parse(outputs[1]?.stdout ?? '{}') as { executions?: { executionArn: string }[] };
      expect(listed.executions?.map((e) => e.executionArn)).toContain(started.executionArn);
    } finally {
      child.kill('SIGINT');
      await exited;
    }
  });
});
