/**
 * End to end: `npm start` as a user runs it (the CLI's `local` command in a child process), checked by
 * its output, its report file and its exit code. Bad options get one line and a non-zero exit.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killStragglers, runCli, runProcess } from '../support/processes';

jest.setTimeout(120_000);
afterAll(killStragglers);
/** The escape that starts a terminal control sequence (colours, line clears). */
const ESC = '\u001b';

const ROOT = join(__dirname, '..', '..');

/** The HTML report goes to a temporary directory unless a test says where (the default is the current one). */
const htmlArgs = (args: string[]) =>
  args.some((a) => a === '--html' || a === '--no-html' || a === '--default-html')
    ? args.filter((a) => a !== '--default-html')
    : [...args, '--html', join(mkdtempSync(join(tmpdir(), 'bp-e2e-html-')), 'report.html')];

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'cli/index.ts', 'local', ...htmlArgs(args)],
      {
        cwd: ROOT,
        env: { ...process.env, AWS_ENDPOINT_URL: '', AWS_ENDPOINT_URL_DYNAMODB: '', POWERTOOLS_LOG_LEVEL: 'SILENT' },
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += String(d);
    });
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm start -- --drill', () => {
  it('backs the demo estate up, then drills as the schedule does, every type and mode: restored, timed, validated, deleted; exits 0', async () => {
    // Act: unpaced (--time-scale 0): what is checked is the drill's outcome, not its pace; the default
    // pace (3600x) is the terminal tests' below.
    const out = await run(['--drill', '--quiet', '--time-scale', '0']);

    // Assess
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(out.stdout).toContain(
      'Restore drill: as the drill schedule starts it, one resource per type and backup mode',
    );
    expect(out.stdout).toMatch(/TYPE\s+MODE\s+SOURCE\s+RESTORED_AS\s+RECOVERY\s+VALIDATED\s+CLEAN-UP\s+RESULT/);
    const rows = out.stdout.split('\n').filter((line) => / (PASSED|FAILED|-)\s+(DELETED|FAILED|-)\s+/.test(line));
    expect(rows.map((row) => row.split(/\s+/).slice(0, 2).join(' ')).sort()).toEqual([
      'aurora-cluster -',
      'docdb-cluster -',
      'dynamodb-table backup',
      'dynamodb-table export',
      'ebs-volume -',
      'ec2-instance ami',
      'ec2-instance snapshots',
      'elasticache-replication-group -',
      'neptune-cluster -',
      'rds-instance -',
      'redshift-cluster -',
      's3-bucket -',
    ]);
    for (const row of rows) expect(row).toMatch(/ PASSED\s+DELETED\s+passed$/);
    expect(out.stdout).toMatch(/Drill drill-\S+ passed: 12\/12 restores passed, nothing left behind\./);
  });
});

describe('npm start (backup-pipeline local)', () => {
  it('backs up the demo fleet end to end, prints the table and the notification, writes the report, exits 0', async () => {
    const report = join(mkdtempSync(join(tmpdir(), 'bp-e2e-')), 'report.json');
    const html = join(mkdtempSync(join(tmpdir(), 'bp-e2e-')), 'run.html');

    // Unpaced (--time-scale 0): progress lines follow the counts and phases, not the pace; the default
    // pace (3600x) is the terminal tests' below.
    const out = await run(['--report', report, '--html', html, '--time-scale', '0']);

    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(
      /Sandbox up: 5 instances, 2 standalone volumes, 3 RDS instances, 2 Aurora clusters, 1 DocumentDB clusters, 1 Neptune clusters, 2 DynamoDB tables, 1 Redshift clusters, 2 cache replication groups, 1 buckets tagged for backup/,
    );
    expect(out.stdout).toMatch(/\d+\/20 done/);
    // Progress, piped: a line only when the counts or the phase change (never one per simulated poll),
    // copying counted as in progress, the slowest resource named, no raw event names, no colour.
    const progress = out.stdout.split('\n').filter((line) => /^\[\d\d:\d\d:\d\d sim\] /.test(line));
    const keys = progress.map((line) => line.replace(/^\[[^\]]+\] /, '').replace(/;.*$/, ''));
    expect(progress.length).toBeGreaterThan(3);
    for (let i = 1; i < keys.length; i++) expect(keys[i]).not.toBe(keys[i - 1]);
    expect(progress.length).toBeLessThanOrEqual(3 * 20 + 10);
    expect(out.stdout).toMatch(/\d+\/20 done, \d+ in progress \(\d+ copying\)/);
    expect(out.stdout).toMatch(/; slowest: \S+ \([a-z0-9-]+\) (creating|copying) /);
    expect(out.stdout).not.toMatch(/0\/0 done|Execution(Succeeded|Started)|MapIteration/);
    expect(out.stdout).not.toContain(`${ESC}[`);
    expect(out.stdout).toMatch(/RESOURCE\s+TYPE\s+REGION\s+STATUS\s+BACKUP\s+EXPIRES\s+POLLS\s+TOOK/);
    expect(out.stdout).toContain('Execution SUCCEEDED');
    const parsed = JSON.parse(readFileSync(report, 'utf8'));
    expect(parsed.status).toBe('SUCCEEDED');
    // 20 backups; the two members of an Aurora cluster selected through them, and a Memcached cluster
    // (ElastiCache backs up no Memcached), SKIPPED.
    const resources = parsed.resources as { status: string; backupIds?: string[] }[];
    expect(resources).toHaveLength(23);
    const backedUp = resources.filter((r) => r.status !== 'SKIPPED');
    expect(backedUp).toHaveLength(20);
    expect(backedUp.every((r) => r.status === 'COMPLETED' && (r.backupIds ?? []).length > 0)).toBe(true);
    // The instance tagged backup-pipeline:mode=ami is backed up as one AMI.
    expect(backedUp.filter((r) => r.backupIds?.[0]?.startsWith('ami-'))).toHaveLength(1);
    expect(out.stdout).toMatch(/ec2-instance\s+eu-west-1\s+COMPLETED\s+ami-/);
    expect(parsed.figures.transitionsPerBackup).toBeGreaterThan(0);
    // The notification in brief (its subject and counts), not its whole body; the HTML report written, and
    // the last lines say where it is and what to try next.
    expect(out.stdout).toContain('  Subject: backup-pipeline daily: 20/20 ok\n');
    expect(out.stdout).not.toMatch(/^ {2}\| /m);
    expect(readFileSync(html, 'utf8')).toContain(`<h1>Backup run ${parsed.runId} `);
    const last = out.stdout.trimEnd().split('\n').slice(-4).join('\n');
    expect(last).toContain(`Report: ${html} (open it in a browser)`);
    for (const next of ['npm start -- --drill', 'npm start -- --serve', 'npx backup-pipeline status'])
      expect(last).toContain(next);
  });

  it('writes the HTML report to backup-report-<run-id>.html in the current directory by default, and --notification prints the whole message', async () => {
    // Act
    const out = await run(['--fleet', '2', '--time-scale', '0', '--quiet', '--notification', '--default-html']);

    // Assess
    const runId = /:execution:[^:]+:(\S+)/.exec(out.stdout)?.[1] ?? '';
    const path = join(ROOT, `backup-report-${runId}.html`);
    try {
      expect(out.code).toBe(0);
      expect(existsSync(path)).toBe(true);
      expect(out.stdout).toContain(`Report: ${path} (open it in a browser)`);
      expect(out.stdout).toMatch(/^ {2}\| Run daily-local-\S+ \(daily\) succeeded\.$/m);
    } finally {
      rmSync(path, { force: true });
    }
  });

  it('with --dry-run prints a plan: what would be backed up and copied where, what retention would delete, and says so in the subject', async () => {
    // Act
    const out = await run(['--dry-run']);

    // Assess
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/Dry run daily-local-\S+ \(daily\): nothing was created, copied or deleted\./);
    expect(out.stdout).toContain('Would back up 20 resource(s):');
    expect(out.stdout).toMatch(/orders\s+rds-instance\s+eu-west-1\s+copied to us-west-2 under alias\/backup-dr\n/);
    expect(out.stdout).toMatch(
      /sessions\s+dynamodb-table\s+eu-west-1\s+not copied to us-west-2 \(DynamoDB on-demand backups \(mode "backup"\) are copied to another region only through AWS Backup/,
    );
    expect(out.stdout).toContain('Would skip 3:');
    expect(out.stdout).toMatch(/Retention \(dry run, nothing deleted\): would delete \d+, keep \d+/);
    expect(out.stdout).toContain('Subject: backup-pipeline daily: dry run: 20 would be backed up\n');
    expect(out.stdout).not.toMatch(/0\/0/);
    expect(out.stdout).toContain('dry run: nothing is backed up — finished');
  });

  const script = existsSync('/usr/bin/script') ? it : it.skip;
  script.each([
    [{}, true],
    [{ NO_COLOR: '1' }, false],
  ])('on a terminal redraws one progress line, coloured unless NO_COLOR (env %p)', async (env, coloured) => {
    // Act: under script(1), stdout is a pseudo-terminal as in a shell.
    const command = [
      process.execPath,
      join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
      'cli/index.ts',
      'local',
      '--fleet',
      '3:60-600',
      '--no-html',
    ]
      .map((part) => `'${part}'`)
      .join(' ');
    const out = await runProcess('/usr/bin/script', ['-qec', command, '/dev/null'], {
      env: {
        ...process.env,
        ...env,
        TERM: 'xterm',
        POWERTOOLS_LOG_LEVEL: 'SILENT',
        AWS_ENDPOINT_URL: '',
        AWS_ENDPOINT_URL_DYNAMODB: '',
      },
    });

    // Assess
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('\r\x1b[2K');
    expect(out.stdout).toMatch(/3\/3 done/);
    const colour = new RegExp(`${ESC}\\[\\d+m`);
    if (coloured) expect(out.stdout).toContain(`${ESC}[32m#`);
    else expect(out.stdout).not.toMatch(colour);
  });

  it('exits non-zero and names the failures once, each with its next step, when snapshots fail', async () => {
    const out = await run(['--failure-rate', '1', '--quiet', '--time-scale', '0']);
    expect(out.code).toBe(1);
    expect(out.stdout).toContain(
      'Execution FAILED (BackupsFailed: 0 completed, 20 failed, 3 skipped, of 23 resources; failures listed above)',
    );
    expect(out.stdout).toMatch(/Subject: backup-pipeline daily: 0\/20 ok, 20 failed/);
    // Listed once (under the table), not again in the notification nor in the execution's cause.
    expect(out.stdout.match(/Failures:/g)).toHaveLength(1);
    expect(out.stdout.match(/ {6}next: /g)).toHaveLength(20);
    expect(out.stdout).not.toContain('20 of 23 backups failed');
    // Every failure ends with a command to paste: the resource's own, and the run's retry.
    expect(out.stdout).not.toMatch(/<arn>|<run>/);
    expect(out.stdout).toMatch(/next: re-run the resource \(`backup-pipeline start --resource arn:aws:\S+ --wait`\)/);
    expect(out.stdout).toMatch(
      /Retry the failed resources: backup-pipeline start --retry-failed daily-local-\d{8}T\d{6}Z --wait/,
    );
    for (const db of ['orders', 'customers', 'analytics'])
      expect(out.stdout.match(new RegExp(`✗ ${db}: `, 'g'))).toHaveLength(1);
  });

  it('shows a backup whose copy failed as COPY FAILED, apart from failed backups, with where each copy is', async () => {
    // Act: the seeded faults fail some snapshots and some copies (the demo copies to its DR region);
    // unpaced, as the outcome is what is checked.
    const out = await run(['--failure-rate', '0.3', '--quiet', '--time-scale', '0']);

    // Assess
    expect(out.code).toBe(1);
    const rows = out.stdout.split('\n');
    const copyFailed = rows.filter((r) => / COPY FAILED /.test(r));
    expect(copyFailed.length).toBeGreaterThan(0);
    for (const row of copyFailed) expect(row).toMatch(/ \d{4}-\d\d-\d\d \d\d:\d\d .* 0\/1!$/);
    // Each copy's region and id under its resource; the legend under the table.
    expect(out.stdout).toMatch(/↳ copy us-west-2: \S+ \(COMPLETED\)/);
    expect(out.stdout).toMatch(/↳ copy us-west-2: \S+.* \(FAILED: /);
    expect(out.stdout).toContain('COPIES: copies made / regions asked.');
    // An RDS backup id keeps the database name at its end.
    expect(out.stdout).toMatch(
      /rds-instance\s+eu-west-1\s+\S+( FAILED)?\s+bp-daily-local-\S*…\S*-(orders|customers|analytics) /,
    );
    const n = copyFailed.length;
    expect(out.stdout).toMatch(new RegExp(`Subject: backup-pipeline daily: \\d+/20 ok, ${n} copy failed`));
    expect(out.stdout).toContain(`${n} backed up but not copied (COPY FAILED)`);
    expect(out.stdout.match(/ \(backed up, copy failed\): /g)).toHaveLength(n);
  });

  it('says a run that ended at Plan backed nothing up and sent nothing, instead of an empty table and "every backup succeeded"', async () => {
    // Act: a tier cdk.json does not define fails the execution at Plan (InvalidInputError).
    const out = await run(['--tier', 'bogus', '--quiet']);

    // Assess
    expect(out.code).toBe(1);
    expect(out.stdout).toContain('Nothing was backed up: the run ended at Plan (InvalidInputError).');
    expect(out.stdout).toContain('Notification: none sent: the execution ended at Plan');
    expect(out.stdout).not.toContain('every backup succeeded');
    expect(out.stdout).not.toMatch(/RESOURCE\s+TYPE/);
    expect(out.stdout).toMatch(/Execution FAILED \(InvalidInputError: .*tier/);
  });

  it.each([
    [['--fleet', 'lots'], /bad --fleet "lots"/],
    [['--throttle-rate', '2'], /expected a number from 0 to 1/],
    [['--bogus'], /unknown option '--bogus'/],
    [['--endpoint', 'http://127.0.0.1:9'], /cannot reach --endpoint http:\/\/127\.0\.0\.1:9/],
  ])('rejects %p with one line and no stack trace', async (args, message) => {
    const out = await run(args);
    expect(out.code).not.toBe(0);
    expect(out.stderr).toMatch(message);
    expect(out.stderr).not.toMatch(/\n\s+at /);
  });

  it('with --serve prints the endpoint and exports, and Ctrl-C stops every server it started', async () => {
    const child = spawn(
      process.execPath,
      [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'cli/index.ts', 'local', '--serve'],
      { cwd: ROOT, env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'SILENT' } },
    );
    let stdout = '';
    child.stdout.on('data', (d) => {
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
    const endpoint = /export AWS_ENDPOINT_URL=(\S+)/.exec(stdout)?.[1] ?? '';
    const dynamo = /export AWS_ENDPOINT_URL_DYNAMODB=(\S+)/.exec(stdout)?.[1] ?? '';
    expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await expect(fetch(endpoint)).resolves.toBeDefined();

    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    child.kill('SIGINT');

    expect(await exited).toBe(130);
    await expect(fetch(endpoint)).rejects.toThrow();
    await expect(fetch(dynamo)).rejects.toThrow();
  });

  it('with --serve says how to use the operator CLI against it, and prints a line as each execution starts and ends', async () => {
    // Prepare
    const child = spawn(
      process.execPath,
      [
        join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
        'cli/index.ts',
        'local',
        '--serve',
        '--fleet',
        '2',
        '--time-scale',
        '0',
      ],
      { cwd: ROOT, env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'SILENT' } },
    );
    let stdout = '';
    child.stdout.on('data', (d) => {
      stdout += String(d);
    });
    // Waits for a line, at most 60 s: a missing line fails the test instead of hanging it.
    const until = (text: string | RegExp) =>
      new Promise<void>((resolve, reject) => {
        const started = Date.now();
        const timer = setInterval(() => {
          if (typeof text === 'string' ? stdout.includes(text) : text.test(stdout)) {
            clearInterval(timer);
            resolve();
          } else if (Date.now() - started > 60_000) {
            clearInterval(timer);
            reject(new Error(`--serve never printed ${text}; it printed:\n${stdout}`));
          }
        }, 50);
      });

    try {
      await until('Ctrl-C stops it.');
      const exports = Object.fromEntries(
        [...stdout.matchAll(/^ {2}export (\w+)=(\S+)$/gm)].map((m) => [m[1] ?? '', m[2] ?? '']),
      );

      // Act: the commands it names, with only the exports it printed.
      const started = await runCli(exports, ['start', '--name', 'serve-run-1', '--wait', '--poll-seconds', '0.1']);
      await until(/serve-run-1.* ended: SUCCEEDED/);

      // Assess
      expect(stdout).toContain("The project's CLI works against it with the same exports:");
      expect(stdout).toContain('npx backup-pipeline start --wait');
      expect(stdout).toContain('npx backup-pipeline status');
      expect(started.code).toBe(0);
      expect(stdout).toMatch(/^\[\d\d:\d\d:\d\d sim\] execution serve-run-1 \(backup\) started$/m);
      expect(stdout).toMatch(
        /^\[\d\d:\d\d:\d\d sim\] execution serve-run-1 \(backup\) ended: SUCCEEDED; details: npx backup-pipeline status serve-run-1$/m,
      );
    } finally {
      const exited = new Promise((resolve) => child.on('close', resolve));
      child.kill('SIGINT');
      await exited;
    }
  });

  it('says which port is in use instead of crashing', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const out = await run(['--port', String(port)]);
      expect(out.code).toBe(2);
      expect(out.stderr).toContain(`port ${port} is in use`);
    } finally {
      blocker.close();
    }
  });
});
