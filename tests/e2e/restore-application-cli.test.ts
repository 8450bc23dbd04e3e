/**
 * `backup-pipeline restore --application` end to end against the sandbox (issue #19 item 12): the CLI in a
 * child process starts the restore state machine through the Step Functions API, follows each restore
 * from the state table, reads what Plan skipped from the execution's history, and prints the
 * application's waves, recovery time and recovery point.
 */
import { BACKUP_TAG } from '../../local/estates/fleet';
import { type Sandbox, startSandbox } from '../../local/sandbox';
import { runCli } from '../support/processes';

jest.setTimeout(120_000);

let sandbox: Sandbox;
const ORDERS = { Key: 'app', Value: 'orders' };

beforeAll(async () => {
  sandbox = await startSandbox({ fleet: { kind: 'none' }, tokenBuckets: false });
  const model = sandbox.model;
  if (!model) throw new Error('expected the emulator');
  model.addDbInstance('eu-west-1', { DBInstanceIdentifier: 'orders', TagList: [BACKUP_TAG, ORDERS] });
  model.addInstance('eu-west-1', { Tags: [BACKUP_TAG, ORDERS], volumes: [{ Size: 20 }] });
  model.addDbInstance('eu-west-1', { DBInstanceIdentifier: 'billing', TagList: [BACKUP_TAG] });
});
afterAll(async () => sandbox.close());

const cli = (args: string[]) => runCli(sandbox.env, args, {});

describe('backup-pipeline restore --application', () => {
  it('restores the tagged application in waves and prints its recovery time and recovery point, exit 0', async () => {
    // Prepare
    const backup = await cli(['start', '--tier', 'daily', '--name', 'daily-app-1', '--wait', '--poll-seconds', '0.1']);
    expect(backup.code).toBe(0);

    // Act
    const out = await cli([
      'restore',
      '--application',
      'app=orders',
      '--order',
      'rds-instance/ec2-instance',
      '--id',
      'gameday-1',
      '--wait',
      '--poll-seconds',
      '0.1',
    ]);

    // Assess
    expect(out.stderr).toBe('');
    expect(out.stdout).toContain('Started restore gameday-1');
    expect(out.stdout).toMatch(/Restore gameday-1-1 AVAILABLE: orders-restored-/);
    expect(out.stdout).toContain('Application restore: 2 of 2 restored in 2 wave(s)');
    expect(out.stdout).toMatch(/ {2}wave 1:\n {4}gameday-1-1 rds-instance AVAILABLE at \d+[smh]: orders-restored-/);
    expect(out.stdout).toMatch(/ {2}wave 2:\n {4}gameday-1-2 ec2-instance AVAILABLE at /);
    expect(out.stdout).toMatch(/ {2}recovery time: {2}\d+[smh] \(from the execution's start/);
    expect(out.stdout).toMatch(/ {2}recovery point: \d+[smh] \(the oldest data restored: arn:aws:/);
    expect(out.code).toBe(0);
  });

  it('exits 1 naming what it could not restore, and refuses tags no resource carries before starting', async () => {
    // Act: the instance's and database's backups were not copied to us-west-2.
    const dr = await cli([
      'restore',
      '--application',
      'app=orders',
      '--to-region',
      'us-west-2',
      '--wait',
      '--poll-seconds',
      '0.1',
    ]);
    const none = await cli(['restore', '--application', 'app=nothing', '--wait', '--poll-seconds', '0.1']);

    // Assess
    expect(dr.stdout).toMatch(
      / {2}not restored: arn:aws:rds:eu-west-1:\d+:db:orders: never copied to us-west-2 \(no copyTo names it\)/,
    );
    expect(dr.code).toBe(1);
    // Refused before StartExecution (issue #21), in the flag's words: nothing started, nothing alarms.
    expect(none.stderr).toBe(
      'backup-pipeline: the restore was not started: --application: no resource the daily tier protects carries app=nothing (its tags as recorded at its last backup)\n',
    );
    expect(none.code).toBe(2);
  });
});
