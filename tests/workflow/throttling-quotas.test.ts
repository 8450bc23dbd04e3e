/**
 * Throttling delays, never fails; quotas are seen coming; failed backups are cleaned up (issue #19 item 11).
 * The real ASL and handlers over the wire, as `npm start` runs them, in virtual time.
 */

import { BACKUP_TAG } from '../../local/estates/fleet';
import { HANDLERS, type LocalHandler } from '../../local/handlers';
import type { AwsModel } from '../../local/model';
import { startSandbox } from '../../local/sandbox';
import type { FunctionName } from '../../shared/lambda/function-env';

jest.setTimeout(180_000);

const REGION = 'eu-west-1';
const DAY = 86_400_000;

describe('ThrottledStartsWaitForTheirWindow', () => {
  it('backs throttled starts and checks off until the start window or deadline ends them: no resource fails on throttling', async () => {
    // Prepare: 4 volumes; once Plan has run, 70% of calls are throttled until the Map is done (the SDK's
    // own retries soon run out of retry tokens): a start (DescribeVolumes, CreateSnapshot) gets through
    // one attempt in 11, so 9 throttled attempts in a row (8 retries) are likely for each of them, as
    // the 1,000-resource run showed at 10% with the start burst's token buckets. Four volumes, not eight:
    // each already sees several starts end ThrottledError (about 15 of 19 invocations), and the SDK's
    // back-off is real time that holds the virtual clock, so eight took 75 s and four take half.
    let model: AwsModel | undefined;
    const throttle = (rate: number, name: FunctionName): LocalHandler => {
      const handler = HANDLERS[name];
      return async (event, context) => {
        if (name === 'summarize-run' && model) model.faults.throttleRate = rate;
        const result = await handler(event, context);
        if (name === 'plan-run' && model) model.faults.throttleRate = rate;
        return result;
      };
    };
    const sandbox = await startSandbox({
      fleet: { kind: 'none' },
      seed: 7,
      handlers: { ...HANDLERS, 'plan-run': throttle(0.7, 'plan-run'), 'summarize-run': throttle(0, 'summarize-run') },
    });
    try {
      model = sandbox.model;
      if (!model) throw new Error('expected the built-in emulator');
      for (let i = 0; i < 4; i++) model.addVolume(REGION, { Size: 50, Tags: [BACKUP_TAG], snapshotSeconds: 900 });

      // Act
      const result = await sandbox.sfn.startExecution(sandbox.stateMachineArn, 'throttled', '{"tier":"daily"}').done;

      // Assess: the SDK's retries ran out and the ASL's Retry on ThrottledError took over (as many retries as
      // volumes at least, about 20 seen); every volume backed up, once; none failed for throttling
      expect(result.stats.retries).toBeGreaterThanOrEqual(4);
      const records = await sandbox.store.listResources('throttled');
      expect(records.filter((r) => r.status === 'FAILED').map((r) => r.error)).toEqual([]);
      expect(records.map((r) => r.status)).toEqual(Array(4).fill('COMPLETED'));
      expect(model.snapshots(REGION)).toHaveLength(4);
    } finally {
      await sandbox.close();
    }
  });
});

describe('FailedSnapshotsCleanedUp', () => {
  it('deletes an expired failed RDS snapshot, so it stops counting against the manual-snapshot quota', async () => {
    // Prepare: room for 2 manual snapshots; the first run's snapshot fails part-way (RDS `failed`)
    const sandbox = await startSandbox({ fleet: { kind: 'none' }, limits: { manualDbSnapshotsPerRegion: 2 } });
    try {
      const model = sandbox.model;
      if (!model) throw new Error('expected the built-in emulator');
      model.addDbInstance(REGION, { DBInstanceIdentifier: 'orders', TagList: [BACKUP_TAG], snapshotSeconds: 600 });
      const run = async (name: string) =>
        (await sandbox.sfn.startExecution(sandbox.stateMachineArn, name, '{"tier":"daily"}').done).status;
      model.faults.snapshotFailureRate = 1;
      await run('first');
      model.faults.snapshotFailureRate = 0;
      const failedOnce = model.dbSnapshots(REGION).map((s) => s.Status);

      // Act: a week and a day later the first run's snapshot has expired; a later run again
      await sandbox.scheduler.sleep(8 * DAY);
      const second = await run('second');
      await sandbox.scheduler.sleep(8 * DAY);
      const third = await run('third');

      // Assess: the failed snapshot was there, and went with the second run's retention; the third run
      // found room for its snapshot (unfixed: the failed one and the second's filled the quota)
      expect(failedOnce).toEqual(['failed']);
      expect(second).toBe('SUCCEEDED');
      expect((await sandbox.store.getRun('second'))?.retention).toMatchObject({ deleted: 1, failedDeletes: 0 });
      expect((await sandbox.store.listResources('third')).map((r) => [r.status, r.error?.error])).toEqual([
        ['COMPLETED', undefined],
      ]);
      expect(third).toBe('SUCCEEDED');
      expect(model.dbSnapshots(REGION).map((s) => s.Status)).toEqual(['available']);
    } finally {
      await sandbox.close();
    }
  });
});

describe('QuotaSeenAtPlan', () => {
  it('names at Plan, before any create, the databases the manual-snapshot quota has no room for, and notifies', async () => {
    // Prepare: room for 3 manual DB snapshots in the region, 1 already used; 4 tagged databases
    const sandbox = await startSandbox({ fleet: { kind: 'none' }, limits: { manualDbSnapshotsPerRegion: 3 } });
    try {
      const model = sandbox.model;
      if (!model) throw new Error('expected the built-in emulator');
      model.addExistingDbSnapshot(REGION, {
        DBSnapshotIdentifier: 'manual-1',
        DBInstanceIdentifier: 'db-0',
        startMs: 0,
      });
      for (let i = 0; i < 4; i++)
        model.addDbInstance(REGION, { DBInstanceIdentifier: `db-${i}`, TagList: [BACKUP_TAG], snapshotSeconds: 600 });

      // Act
      const result = await sandbox.sfn.startExecution(sandbox.stateMachineArn, 'quota', '{"tier":"daily"}').done;

      // Assess: the first two (ARN order) backed up; the other two refused by Plan with the numbers, never
      // started, and named in the notification
      const records = await sandbox.store.listResources('quota');
      expect(result.status).toBe('FAILED');
      expect(records.map((r) => [r.resourceId, r.status])).toEqual([
        ['db-0', 'COMPLETED'],
        ['db-1', 'COMPLETED'],
        ['db-2', 'FAILED'],
        ['db-3', 'FAILED'],
      ]);
      for (const failed of records.filter((r) => r.status === 'FAILED')) {
        expect(failed.error?.error).toBe('QuotaExceededError');
        expect(failed.error?.cause).toMatch(
          /^quota: 1 of 3 manual DB snapshots used in eu-west-1 and 2 more planned by this run before it/,
        );
        expect(failed.attempts).toBeUndefined();
      }
      expect(model.calls.get('rds:CreateDBSnapshot')).toBe(2);
      expect(model.calls.get('rds:DescribeAccountAttributes')).toBe(1);
      expect(model.sns.at(-1)?.Message).toContain('quota: 1 of 3 manual DB snapshots used in eu-west-1');
    } finally {
      await sandbox.close();
    }
  });
});
