/**
 * The operator CLI end to end against the sandbox, the same code path as against AWS: it finds the
 * pipeline through CloudFormation DescribeStacks outputs, starts runs through the Step Functions API and
 * reads the state table. Each command runs in a child process as an operator would run it.
 */
import { ListExecutionsCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { BACKUP_TAG, DR_KEY_ALIAS, DR_REGION, seedDrKey } from '../../local/estates/fleet';
import { type Sandbox, startSandbox } from '../../local/sandbox';
import { runCli } from '../support/processes';

jest.setTimeout(120_000);

let sandbox: Sandbox;
/** Stopped, so it fails; `--retry-failed` below retries it once it is started again. */
let legacy: { status: string };

beforeAll(async () => {
  sandbox = await startSandbox({ fleet: { kind: 'none' }, tokenBuckets: false });
  const model = sandbox.model;
  if (!model) throw new Error('expected the emulator');
  seedDrKey(model);
  model.addInstance('eu-west-1', {
    Tags: [BACKUP_TAG, { Key: 'team', Value: 'web' }],
    volumes: [{ Size: 20 }, { Size: 50 }],
  });
  model.addVolume('eu-west-1', { Size: 100, Tags: [BACKUP_TAG] });
  model.addDbInstance('eu-west-1', { DBInstanceIdentifier: 'orders', TagList: [BACKUP_TAG] });
  legacy = model.addDbInstance('eu-west-1', {
    DBInstanceIdentifier: 'legacy',
    status: 'stopped',
    TagList: [{ Key: 'legacy', Value: 'yes' }],
  });
});
afterAll(async () => sandbox.close());

/** The CLI as an operator runs it, in a child process, pointed at the sandbox only through its endpoints. */
const cli = (args: string[], env: Record<string, string | undefined> = {}) => runCli(sandbox.env, args, env);

describe('backup-pipeline start / status / runs', () => {
  it('start --wait runs a backup to the end with a progress bar and exits 0 when every resource succeeded', async () => {
    const out = await cli([
      'start',
      '--tier',
      'weekly',
      '--tag',
      'backup=true',
      '--reason',
      'before release 42',
      '--name',
      'weekly-cli-1',
      '--wait',
      '--poll-seconds',
      '0.1',
    ]);

    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('Started run weekly-cli-1');
    expect(out.stdout).toContain(
      'console:   https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/',
    );
    expect(out.stdout).toMatch(/\[#+\] 3\/3 done/);
    expect(out.stdout).toContain('Run weekly-cli-1 SUCCEEDED');
  });

  it('status prints the per-resource table, and --json the same data; runs lists the run with its counts', async () => {
    const table = await cli(['status', 'weekly-cli-1']);
    const json = await cli([
      'status',
      `${sandbox.stateMachineArn.replace(':stateMachine:', ':execution:')}:weekly-cli-1`,
      '--json',
    ]);
    const runs = await cli(['runs', '--json']);

    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/Run weekly-cli-1 \(weekly\): SUCCEEDED/);
    expect(table.stdout).toMatch(/orders\s+rds-instance\s+eu-west-1\s+COMPLETED/);
    const parsed = JSON.parse(json.stdout);
    expect(parsed).toMatchObject({ runId: 'weekly-cli-1', status: 'SUCCEEDED', counts: { total: 3, completed: 3 } });
    expect(parsed.resources).toHaveLength(3);
    expect(parsed.resources[0]).toEqual(
      expect.objectContaining({
        backupIds: expect.any(Array),
        polls: expect.any(Number),
        durationSeconds: expect.any(Number),
      }),
    );
    // One object, as every --json output is (docs/cli-json.md): the runs under `runs`.
    expect(JSON.parse(runs.stdout).runs).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ runId: 'weekly-cli-1', tier: 'weekly', reason: 'before release 42' }),
      ]),
    );
    // The table's own attributes stay inside: scripts read runs, not table keys.
    for (const run of JSON.parse(runs.stdout).runs)
      for (const key of ['pk', 'sk', 'gsi1pk', 'ttl']) expect(run).not.toHaveProperty(key);
  });

  it('status --rpo shows each tier and protected resource against its RPO, a never-run tier measured from the deploy', async () => {
    const out = await cli(['status', '--rpo', '--json']);
    const view = JSON.parse(out.stdout);
    // daily never ran: as the freshness alarms do, it is measured from the deploy (the table's creation),
    // minutes ago, so nothing is breached and nothing pages (a breach exits 1: tests/unit/cli/rpo-view.test.ts).
    expect(view.tiers).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ tier: 'weekly', breached: false, rpoHours: 180 }),
        expect.objectContaining({ tier: 'daily', breached: false, lastRunAgeHours: expect.any(Number) }),
      ]),
    );
    expect(view.resources).toHaveLength(3);
    expect(view.resources.every((r: { tier: string; breached: boolean }) => r.tier === 'weekly' && !r.breached)).toBe(
      true,
    );
    expect(out.code).toBe(0);
    // The sandbox's clock runs ahead of the wall clock: ages are measured to its newest record, never negative.
    const text = await cli(['status', '--rpo']);
    expect(text.stdout).toMatch(/^weekly +\d{4}-\d\d-\d\d \d\d:\d\d +\d{4}-\d\d-\d\d \d\d:\d\d +\d+\.\dh +180h/m);
    expect(text.stdout).not.toMatch(/ -\d+\.\dh/);
    for (const r of view.resources as { ageHours: number }[]) expect(r.ageHours).toBeGreaterThanOrEqual(0);
  });

  it('start --copy-to copies to the DR region under its key, and status shows the copies (table and --json)', async () => {
    // Act
    const out = await cli([
      'start',
      '--resource',
      sandbox.model?.dbInstanceArn('eu-west-1', 'orders') ?? '',
      '--copy-to',
      `${DR_REGION}:${DR_KEY_ALIAS}`,
      '--name',
      'copy-cli-1',
      '--wait',
      '--poll-seconds',
      '0.1',
    ]);
    const table = await cli(['status', 'copy-cli-1']);
    const json = JSON.parse((await cli(['status', 'copy-cli-1', '--json'])).stdout);

    // Assess
    expect(out.code).toBe(0);
    expect(table.stdout).toMatch(/orders\s+rds-instance\s+eu-west-1\s+COMPLETED\s+.*\s1\/1$/m);
    // The id is cut in the middle (the database name stays), the expiry beside it, the copy's region and id below.
    const row = table.stdout.split('\n').findIndex((l) => l.startsWith('orders '));
    expect(table.stdout.split('\n')[row]).toMatch(/ bp-copy-cli-1-\S*-orders +\d{4}-\d\d-\d\d \d\d:\d\d /);
    expect(table.stdout.split('\n')[row + 1]).toMatch(
      new RegExp(`^ +↳ copy ${DR_REGION}: bp-copy-cli-1-\\S+-orders \\(COMPLETED\\)$`),
    );
    expect(table.stdout).toContain('COPIES: copies made / regions asked.');
    expect(json.expiresAt).toEqual(expect.any(String));
    expect(json.resources[0].outcome).toBe('COMPLETED');
    expect(json.resources[0].copies).toEqual([
      expect.objectContaining({
        region: DR_REGION,
        status: 'COMPLETED',
        ids: [expect.stringMatching(/^bp-copy-cli-1-/)],
      }),
    ]);
    expect(sandbox.model?.dbSnapshots(DR_REGION)).toEqual([expect.objectContaining({ Status: 'available' })]);
  });

  it('exits 1 when a resource failed, naming it', async () => {
    const out = await cli([
      'start',
      '--tag',
      'legacy=yes',
      '--name',
      'daily-cli-fail',
      '--wait',
      '--poll-seconds',
      '0.1',
    ]);
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(
      /legacy: InvalidResourceStateError: .*stopped\.\n {6}next: start or repair the resource/,
    );
    expect(out.stdout).toContain(
      'Run daily-cli-fail FAILED: BackupsFailed: 0 completed, 1 failed, 0 skipped, of 1 resources',
    );
    expect(out.stdout.match(/Cannot snapshot DB instance legacy/g)).toHaveLength(1);
    // It ends with the command that retries what failed, the run's own id in it, ready to paste.
    expect(out.stdout).toContain(
      'Retry the failed resources: backup-pipeline start --retry-failed daily-cli-fail --wait',
    );
    // status tells the same, the failure once, with the same next step.
    const status = await cli(['status', 'daily-cli-fail']);
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(/^Run daily-cli-fail \(daily\): FAILED/);
    expect(status.stdout).toContain('0 completed, 1 failed, 0 skipped, of 1 resources');
    expect(status.stdout.match(/✗ legacy/g)).toHaveLength(1);
    expect(status.stdout).toContain('      next: start or repair the resource');
    expect(status.stdout).toContain(
      'Retry the failed resources: backup-pipeline start --retry-failed daily-cli-fail --wait',
    );
    expect(status.stdout).not.toMatch(/<arn>|<run>/);
  });

  it('refuses bad input before calling StartExecution, naming every bad field', async () => {
    const sfn = new SFNClient({
      endpoint: sandbox.endpoint,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    const before = (await sfn.send(new ListExecutionsCommand({ stateMachineArn: sandbox.stateMachineArn }))).executions
      ?.length;

    const out = await cli([
      'start',
      '--tier',
      'hourly',
      '--resource',
      'arn:aws:s3:::bucket',
      '--copy-to',
      'us-west-2',
      '--copy-to',
      'us-west-2',
    ]);

    expect(out.code).toBe(2);
    expect(out.stderr.trim().split('\n')).toHaveLength(1);
    for (const field of ['tier:', 'targets.resources.0:', 'copyTo.1.region:']) expect(out.stderr).toContain(field);
    expect(
      (await sfn.send(new ListExecutionsCommand({ stateMachineArn: sandbox.stateMachineArn }))).executions?.length,
    ).toBe(before);
    sfn.destroy();
  });

  it.each([
    [['status', 'no-such-run'], {}, /no run no-such-run in backup-pipeline-state/],
    [
      ['runs', '--stack', 'NotDeployed'],
      {},
      /stack NotDeployed is not deployed in eu-west-1: deploy it with npx cdk deploy/,
    ],
    [['runs', '--bogus'], {}, /unknown option '--bogus'/],
    [
      ['runs'],
      {
        AWS_ENDPOINT_URL: '',
        AWS_ACCESS_KEY_ID: '',
        AWS_SECRET_ACCESS_KEY: '',
        AWS_PROFILE: 'none-such',
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_CONFIG_FILE: '/dev/null',
        AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      },
      /no AWS credentials/,
    ],
  ])('%p fails with one clear line and no stack trace', async (args, env, message) => {
    const out = await cli(args, env);
    expect(out.code).not.toBe(0);
    expect(out.stderr).toMatch(message);
    expect(out.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('backup-pipeline backups', () => {
  it("lists a resource's restore points by short name, newest first, and --json by ARN", async () => {
    // Prepare: weekly-cli-1 (above) backed up orders.

    // Act
    const table = await cli(['backups', 'orders']);
    const arn = table.stdout.match(/Restore points of (\S+),/)?.[1] ?? '';
    const json = await cli(['backups', arn, '--json']);

    // Assess
    expect(table.stderr).toBe('');
    expect(table.code).toBe(0);
    expect(arn).toMatch(/^arn:aws:rds:eu-west-1:\d{12}:db:orders$/);
    expect(table.stdout).toMatch(/weekly\s+AVAILABLE/);
    expect(table.stdout).toContain('weekly-cli-1');
    const parsed = JSON.parse(json.stdout) as { points: { runId: string; completedAt: string }[] };
    // Every run above that backed orders up left a point: weekly-cli-1 among them, newest first.
    expect(parsed.points.map((p) => p.runId)).toContain('weekly-cli-1');
    const times = parsed.points.map((p) => p.completedAt);
    expect(times).toEqual([...times].sort().reverse());
    expect(parsed.points.find((p) => p.runId === 'weekly-cli-1')).toMatchObject({
      tier: 'weekly',
      type: 'rds-instance',
      status: 'AVAILABLE',
    });
    expect((parsed.points[0] as unknown as { backupIds: string[] }).backupIds).toHaveLength(1);
    expect(parsed.points[0]).not.toHaveProperty('pk');
    expect(parsed.points[0]).not.toHaveProperty('ttl');
  });

  it('refuses a name it has no backup of, in one line', async () => {
    const out = await cli(['backups', 'no-such-db']);
    expect(out.code).toBe(2);
    expect(out.stderr).toBe(
      'backup-pipeline: no resource named "no-such-db" is recorded: give its ARN, or check the name with "backup-pipeline status <run>"\n',
    );
  });
});

describe('backup-pipeline restore', () => {
  it("restores a resource's latest backup under a new name and follows it to the end", async () => {
    // Prepare: weekly-cli-1 (above) backed up orders.

    // Act
    const out = await cli([
      'restore',
      '--resource',
      'orders',
      '--latest',
      '--name',
      'orders-copy',
      '--id',
      'restore-cli-1',
      '--wait',
      '--poll-seconds',
      '0.1',
    ]);

    // Assess
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('Started restore restore-cli-1');
    expect(out.stdout).toMatch(
      /Restore restore-cli-1 AVAILABLE: orders-copy \(orders-copy\) in eu-west-1, recovered in \d+/,
    );
    const restored = sandbox.model?.describeDBInstances('eu-west-1', { DBInstanceIdentifier: 'orders-copy' });
    expect(restored?.DBInstances?.[0]?.PubliclyAccessible).toBe(false);
  });

  it('refuses a name in use before starting anything; started from the console, the restore fails at Start, touching nothing', async () => {
    // Act: the CLI asks AWS first (issue #21); the console's StartExecution is checked only in the execution.
    const out = await cli(['restore', '--resource', 'orders', '--name', 'orders', '--id', 'restore-cli-taken']);
    const sfn = new SFNClient({ region: sandbox.region, endpoint: sandbox.endpoint });
    const started = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: sandbox.restoreStateMachineArn,
        name: 'restore-cli-taken',
        input: JSON.stringify({
          resource: sandbox.model?.dbInstanceArn('eu-west-1', 'orders'),
          latest: true,
          name: 'orders',
        }),
      }),
    );
    sfn.destroy();
    const record = await sandbox.sfn
      .execution(started.executionArn ?? '')
      .done.then(() => sandbox.restores.get('restore-cli-taken'));

    // Assess
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(
      /^backup-pipeline: the restore was not started: --name: RDS instance identifier orders is in use in eu-west-1: choose another --name, e\.g\. --name orders-2\n$/,
    );
    expect(record).toMatchObject({ status: 'FAILED', error: { error: 'NameInUseError' } });
  });

  it('refuses input it cannot restore before starting anything, in one line naming the flag', async () => {
    const out = await cli(['restore', '--latest']);
    expect(out.code).toBe(2);
    expect(out.stderr).toBe(
      'backup-pipeline: the restore was not started: --latest goes with --resource <arn|name> (its newest restore point)\n',
    );
  });
});

describe('backup-pipeline status --rto', () => {
  it("shows each type's last drill with its recovery time once a drill ran, and the latest restores", async () => {
    // Prepare: a drill of orders (the restores above were not drills).
    const drill = await cli([
      'restore',
      '--resource',
      'orders',
      '--latest',
      '--drill',
      '--id',
      'drill-cli-1',
      '--wait',
      '--poll-seconds',
      '0.1',
    ]);

    // Act
    const table = await cli(['status', '--rto']);
    const json = await cli(['status', '--rto', '--json']);

    // Assess
    expect(drill.code).toBe(0);
    expect(drill.stdout).toMatch(/Drill drill-cli-1 AVAILABLE: .*; clean-up DELETED/);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/TYPE\s+MODE\s+LAST_DRILL\s+RESULT\s+RECOVERY\s+LAST_PASSED\s+RECOVERY\s+DRILLS/);
    expect(table.stdout).toMatch(/rds-instance\s+-\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+passed\s+\S+\s+\d{4}/);
    expect(table.stdout).toContain('Latest restores:');
    expect(table.stdout).toContain('Restore restore-cli-1 AVAILABLE: orders-copy');
    expect(JSON.parse(json.stdout).drills).toEqual([
      expect.objectContaining({ type: 'rds-instance', drills: 1, lastPassed: true }),
    ]);
  });
});

describe('backup-pipeline status (the overview)', () => {
  it('lists the latest runs and the recent restores and drills, naming the failed one first, and points to --rto', async () => {
    // Prepare: the runs above, the restores restore-cli-1 (AVAILABLE), restore-cli-taken (FAILED) and
    // the drill drill-cli-1 (passed).

    // Act
    const table = await cli(['status']);
    const json = await cli(['status', '--json']);

    // Assess: exit 1, as the overview lists a failure (a failed run above, the refused restore).
    expect(table.stderr).toBe('');
    expect(table.code).toBe(1);
    expect(table.stdout).toMatch(/^Latest runs:\nRUN\s+TIER\s+STATUS/);
    expect(table.stdout).toContain('weekly-cli-1');
    expect(table.stdout).toContain('Restores and drills, last 7 days: 3 (1 drill), 1 FAILED\n');
    expect(table.stdout).toMatch(
      /\n {2}✗ Restore restore-cli-taken FAILED: orders in eu-west-1: NameInUseError: .*\n {2}Drill drill-cli-1 AVAILABLE: .*; clean-up DELETED\n {2}Restore restore-cli-1 AVAILABLE: orders-copy/,
    );
    expect(table.stdout).toContain("Each type's last drill and recovery time: backup-pipeline status --rto\n");
    expect(json.code).toBe(1);
    const overview = JSON.parse(json.stdout) as {
      runs: { runId: string; pk?: string }[];
      restores: { days: number; total: number; failed: number; records: { restoreId: string; outcome: string }[] };
    };
    expect(overview.runs.map((r) => r.runId)).toContain('weekly-cli-1');
    expect(overview.runs[0]).not.toHaveProperty('pk');
    expect(overview.restores).toMatchObject({ days: 7, total: 3, failed: 1 });
    expect(overview.restores.records.map((r) => [r.restoreId, r.outcome])).toEqual([
      ['drill-cli-1', 'passed'],
      ['restore-cli-taken', 'failed'],
      ['restore-cli-1', 'passed'],
    ]);
  });
});

describe('backup-pipeline start --dry-run', () => {
  it('follows the dry run and prints it as a plan: what would be backed up, copied where under which key, and retention', async () => {
    // Act: no --wait; a dry run is always followed.
    const out = await cli([
      'start',
      '--dry-run',
      '--tag',
      'backup=true',
      '--copy-to',
      `${DR_REGION}:${DR_KEY_ALIAS}`,
      '--name',
      'dry-cli-1',
      '--poll-seconds',
      '0.1',
    ]);

    // Assess
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('Started dry run dry-cli-1');
    expect(out.stdout).toContain('Dry run dry-cli-1 (daily): nothing was created, copied or deleted.');
    expect(out.stdout).toContain('Would back up 3 resource(s):');
    expect(out.stdout).toMatch(
      new RegExp(`orders\\s+rds-instance\\s+eu-west-1\\s+copied to ${DR_REGION} under ${DR_KEY_ALIAS}\n`),
    );
    expect(out.stdout).toMatch(/Retention \(dry run, nothing deleted\): would delete \d+, keep \d+/);
    expect(out.stdout).toContain('Run dry-cli-1 SUCCEEDED');
    expect(out.stdout).not.toMatch(/0\/0/);
    expect(sandbox.model?.dbSnapshots(DR_REGION).filter((s) => s.DBSnapshotIdentifier?.includes('dry-cli-1'))).toEqual(
      [],
    );
  });
});

describe('backup-pipeline start --retry-failed and short names', () => {
  const executions = async () => {
    const sfn = new SFNClient({
      endpoint: sandbox.endpoint,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    try {
      return (await sfn.send(new ListExecutionsCommand({ stateMachineArn: sandbox.stateMachineArn }))).executions
        ?.length;
    } finally {
      sfn.destroy();
    }
  };

  it("starts a run of exactly the failed run's FAILED resources, in its tier, and says what it started", async () => {
    // Prepare: daily-cli-fail (above) failed legacy, which was stopped; the operator has started it since.
    legacy.status = 'available';

    // Act
    const out = await cli([
      'start',
      '--retry-failed',
      'daily-cli-fail',
      '--name',
      'retry-cli-1',
      '--wait',
      '--poll-seconds',
      '0.1',
    ]);
    const status = JSON.parse((await cli(['status', 'retry-cli-1', '--json'])).stdout);

    // Assess
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('Started run retry-cli-1 (daily)');
    expect(out.stdout).toContain('retrying the 1 failed resource(s) of run daily-cli-fail:');
    expect(out.stdout).toMatch(
      / {4}legacy \(rds-instance, eu-west-1\) arn:aws:rds:eu-west-1:\d{12}:db:legacy: InvalidResourceStateError/,
    );
    expect(status.tier).toBe('daily');
    expect(status.resources.map((r: { arn: string; status: string }) => [r.arn, r.status])).toEqual([
      [sandbox.model?.dbInstanceArn('eu-west-1', 'legacy'), 'COMPLETED'],
    ]);
  });

  it.each([
    ['weekly-cli-1', /^backup-pipeline: run weekly-cli-1 has no failed resources: nothing to retry/],
    ['no-such-run', /^backup-pipeline: no run no-such-run in backup-pipeline-state/],
  ])('refuses to retry %s in one line, starting nothing', async (run, message) => {
    const before = await executions();

    const out = await cli(['start', '--retry-failed', run]);

    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(message);
    expect(out.stderr.trim().split('\n')).toHaveLength(1);
    expect(await executions()).toBe(before);
  });

  it('start --resource takes the name the tables show, as backups and restore do', async () => {
    // Act
    const out = await cli([
      'start',
      '--resource',
      'orders',
      '--tier',
      'weekly',
      '--name',
      'name-cli-1',
      '--wait',
      '--poll-seconds',
      '0.1',
    ]);
    const status = JSON.parse((await cli(['status', 'name-cli-1', '--json'])).stdout);

    // Assess
    expect(out.code).toBe(0);
    expect(status.resources.map((r: { arn: string }) => r.arn)).toEqual([
      sandbox.model?.dbInstanceArn('eu-west-1', 'orders'),
    ]);
  });

  it('an ambiguous name lists the resources it names and fails, in start, backups and restore alike', async () => {
    // Prepare: an Aurora cluster also named orders, backed up once.
    sandbox.model?.addDbCluster('eu-west-1', {
      DBClusterIdentifier: 'orders',
      members: 1,
      TagList: [{ Key: 'dup', Value: 'yes' }],
    });
    const dup = await cli(['start', '--tag', 'dup=yes', '--name', 'dup-cli-1', '--wait', '--poll-seconds', '0.1']);
    expect(dup.code).toBe(0);
    const before = await executions();

    // Act
    const outs = await Promise.all([
      cli(['start', '--resource', 'orders']),
      cli(['backups', 'orders']),
      cli(['restore', '--resource', 'orders', '--latest']),
    ]);

    // Assess
    for (const out of outs) {
      expect(out.code).toBe(2);
      expect(out.stderr).toMatch(
        /^backup-pipeline: "orders" names 2 resources; give the ARN of one:\n {2}arn:aws:rds:eu-west-1:\d{12}:cluster:orders\n {2}arn:aws:rds:eu-west-1:\d{12}:db:orders\n$/,
      );
    }
    expect(await executions()).toBe(before);
  });
});
