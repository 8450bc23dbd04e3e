/**
 * Restore is safe to type (issue #21 item 1), through the built CLI in a child process against the
 * sandbox: `backups` prints every id whole, `restore` refuses a mistake before StartExecution (exit 2,
 * no execution, so nothing alarms), its errors and hints name the flags that exist, a restore started
 * without --wait says how to follow it, and a drill's outcome is one word however it is asked.
 */
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { BACKUP_TAG, DR_KEY_ALIAS, DR_REGION, seedDrKey } from '../../local/estates/fleet';
import { type Sandbox, startSandbox } from '../../local/sandbox';
import { runCli } from '../support/processes';

jest.setTimeout(120_000);

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ fleet: { kind: 'none' }, tokenBuckets: false });
  const model = sandbox.model;
  if (!model) throw new Error('expected the emulator');
  seedDrKey(model);
  model.addDbInstance('eu-west-1', { DBInstanceIdentifier: 'orders', TagList: [BACKUP_TAG] });
  model.addInstance('eu-west-1', { Tags: [BACKUP_TAG], volumes: [{ Size: 20 }, { Size: 50 }] });
  const backup = await cli([
    'start',
    '--name',
    'daily-safe-1',
    '--copy-to',
    `${DR_REGION}:${DR_KEY_ALIAS}`,
    '--wait',
    '--poll-seconds',
    '0.1',
  ]);
  if (backup.code !== 0) throw new Error(`backup failed: ${backup.stdout}${backup.stderr}`);
});
afterAll(async () => sandbox.close());

const cli = (args: string[]) => runCli(sandbox.env, args, {});

/** Executions of the restore state machine so far: a refused restore adds none. */
async function restoreExecutions(): Promise<number> {
  const sfn = new SFNClient({ region: sandbox.region, endpoint: sandbox.endpoint });
  try {
    const out = await sfn.send(new ListExecutionsCommand({ stateMachineArn: sandbox.restoreStateMachineArn }));
    return out.executions?.length ?? 0;
  } finally {
    sfn.destroy();
  }
}

/** The state machine's input fields, which an operator never typed. */
const INPUT_FIELDS = /\b(backupId|latest: true|region:|resource:|placement\.|keepMinutes|select)\b/;

describe('backup-pipeline backups', () => {
  it('prints every backup id whole, copies on rows of their own, ids last, reading at 120 columns; --wide adds the run', async () => {
    // Prepare: daily-safe-1 backed up orders and the instance, each copied to us-west-2.
    const instance = sandbox.model?.describeInstances('eu-west-1', {}).Reservations?.[0]?.Instances?.[0]?.InstanceId;

    // Act
    const outs = await Promise.all([cli(['backups', 'orders']), cli(['backups', instance ?? ''])]);
    const jsons = await Promise.all([cli(['backups', 'orders', '--json']), cli(['backups', instance ?? '', '--json'])]);

    // Assess
    for (const [i, out] of outs.entries()) {
      expect(out.code).toBe(0);
      const parsed = JSON.parse(jsons[i]?.stdout ?? '') as {
        arn: string;
        points: { backupIds: string[]; copies: { region: string; ids: string[] }[] }[];
      };
      expect(Object.keys(parsed)).toEqual(['arn', 'points']);
      const ids = parsed.points.flatMap((p) => [...p.backupIds, ...p.copies.flatMap((c) => c.ids)]);
      expect(ids.length).toBeGreaterThan(0);
      const lines = out.stdout.split('\n');
      // Each id whole, last on its line; none cut.
      for (const id of ids) expect(lines.some((l) => l.endsWith(` ${id}`))).toBe(true);
      expect(out.stdout).not.toContain('…');
      for (const l of lines) expect(l.length).toBeLessThanOrEqual(120);
      expect(lines[1]).toMatch(/^TIME_UTC\s+TIER\s+STATUS\s+SIZE\s+EXPIRES\s+REGION\s+BACKUP$/);
      expect(out.stdout).toMatch(/\n\s+us-west-2 \S+\n/);
    }
    const wide = await cli(['backups', 'orders', '--wide']);
    expect(wide.stdout).toMatch(/\sEXPIRES\s+RUN\s+REGION\s+BACKUP\n.*\sdaily-safe-1\s+eu-west-1\s/);
  });
});

describe('backup-pipeline restore: refused before anything starts', () => {
  it('refuses an unknown backup, a name in use in the target region, a region without a copy: exit 2, no execution', async () => {
    // Prepare
    const before = await restoreExecutions();

    // Act
    const unknown = await cli(['restore', 'bp-no-such-backup']);
    const taken = await cli(['restore', '--resource', 'orders', '--name', 'orders']);
    const noCopy = await cli(['restore', '--resource', 'orders', '--to-region', 'ap-south-1']);
    const overview = await cli(['status', '--json']);

    // Assess
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe(
      'backup-pipeline: the restore was not started: no backup bp-no-such-backup is recorded: list them with "backup-pipeline backups <resource>"\n',
    );
    expect(taken.code).toBe(2);
    expect(taken.stderr).toMatch(
      /^backup-pipeline: the restore was not started: --name: RDS instance identifier orders is in use in eu-west-1: choose another --name, e.g\. --name orders-2\n$/,
    );
    expect(noCopy.code).toBe(2);
    expect(noCopy.stderr).toMatch(
      /^backup-pipeline: the restore was not started: --to-region: this backup has no completed copy in ap-south-1; it can be restored in: eu-west-1, us-west-2\n$/,
    );
    expect(await restoreExecutions()).toBe(before);
    // Nothing failed, so nothing alarms and the overview stays green.
    expect(overview.code).toBe(0);
    expect(JSON.parse(overview.stdout).restores).toMatchObject({ failed: 0 });
  });

  it('checks the name in the target region: a name taken at the source is free in the copy region', async () => {
    // Act: --resource alone (it implies --latest), restored under the source's own name in us-west-2.
    const out = await cli([
      'restore',
      '--resource',
      'orders',
      '--to-region',
      DR_REGION,
      '--name',
      'orders',
      '--id',
      'restore-safe-dr',
      '--wait',
      '--poll-seconds',
      '0.1',
    ]);

    // Assess
    expect(out.stderr).toBe('');
    expect(out.stdout).toMatch(/Restore restore-safe-dr AVAILABLE: orders \(orders\) in us-west-2/);
    expect(out.code).toBe(0);
  });
});

describe('backup-pipeline restore: errors speak in flags', () => {
  it('names --latest, --resource, a backup id and --to-region, never the input fields', async () => {
    // Act
    const outs = await Promise.all([
      cli(['restore']),
      cli(['restore', '--latest']),
      cli(['restore', 'bp-x', '--resource', 'orders']),
      cli(['restore', '--resource', 'orders', '--to-region', 'ap-south-1']),
    ]);
    const [none, latest, both] = outs;

    // Assess
    for (const out of outs) {
      expect(out?.code).toBe(2);
      expect(out?.stderr).not.toMatch(INPUT_FIELDS);
    }
    expect(none?.stderr).toBe(
      'backup-pipeline: the restore was not started: name what to restore: a backup id (from "backup-pipeline backups <resource>"), --resource <arn|name>, or --application <key=value>\n',
    );
    expect(latest?.stderr).toBe(
      'backup-pipeline: the restore was not started: --latest goes with --resource <arn|name> (its newest restore point)\n',
    );
    expect(both?.stderr).toBe(
      'backup-pipeline: the restore was not started: give a backup id or --resource, not both\n',
    );
  });

  it("backups' footer names the flag that exists: --to-region", async () => {
    const out = await cli(['backups', 'orders']);
    expect(out.stdout).toContain('--to-region');
    expect(out.stdout).not.toMatch(/--region\b/);
  });
});

describe('backup-pipeline restore / start without --wait', () => {
  it('say how to follow them, and a restore is watched by its id to the end', async () => {
    // Act
    const restore = await cli(['restore', '--resource', 'orders', '--id', 'restore-safe-follow']);
    const start = await cli(['start', '--resource', 'orders', '--name', 'daily-safe-follow']);
    const watched = await cli(['restore', '--watch', 'restore-safe-follow', '--poll-seconds', '0.1']);

    // Assess
    expect(restore.code).toBe(0);
    expect(restore.stdout).toContain('  follow:    backup-pipeline restore --watch restore-safe-follow\n');
    expect(start.code).toBe(0);
    expect(start.stdout).toContain('  follow:    backup-pipeline status daily-safe-follow\n');
    expect(watched.stderr).toBe('');
    expect(watched.stdout).toMatch(/Restore restore-safe-follow AVAILABLE: orders-restored-\S+ \(/);
    expect(watched.code).toBe(0);
  });

  it('refuses to watch an id that is no restore, in one line', async () => {
    const out = await cli(['restore', '--watch', 'restore-nothing']);
    expect(out.code).toBe(2);
    expect(out.stderr).toBe(
      'backup-pipeline: no restore restore-nothing: see the latest restores and drills with "backup-pipeline status"\n',
    );
  });
});

describe('a drill by hand', () => {
  it("has the drills' id prefix and ends in one word, passed, as status --rto says it", async () => {
    // Act
    const drill = await cli(['restore', '--resource', 'orders', '--drill', '--wait', '--poll-seconds', '0.1']);
    const rto = await cli(['status', '--rto']);

    // Assess
    expect(drill.code).toBe(0);
    expect(drill.stdout).toMatch(/^Started restore drill drill-\d{8}T\d{6}Z\n/);
    expect(drill.stdout).toMatch(/\nDrill drill-\d{8}T\d{6}Z passed\n$/);
    expect(rto.stdout).toMatch(/rds-instance\s+-\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+passed\s/);
  });
});
