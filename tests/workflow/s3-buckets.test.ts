/**
 * S3 buckets through the real ASL and handlers, AWS answered by the model (objects simulated as key
 * ranges): two daily runs with objects overwritten and deleted between them, then an operator's restore
 * of the first run's restore point and a drill of the latest, each compared with what the source held
 * then (key, size, checksum); and a bucket without versioning, FAILED with the reason.
 */
import { BACKUP_TAG } from '../../local/estates/fleet';
import { expandSegments } from '../../local/model/s3-buckets';
import { dynamoDocClient } from '../../shared/lambda/clients';
import { RestoreStore } from '../../shared/state/restore-store';
import { openSandbox, REGION, type Sandbox, TABLE } from '../support/workflow-sandbox';

jest.setTimeout(60_000);

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await openSandbox();
});
afterAll(async () => {
  await sandbox.close();
});

const HOUR = 3_600_000;
const manifest = (bucket: string, at: number, prefix = '') =>
  expandSegments(sandbox.model.contentsAsOf(bucket, at, prefix));

describe('S3 buckets', () => {
  describe('S3PointInTimeRestoreAfterOverwritesAndDeletes', () => {
    it('restores the first run exactly, and a drill of the latest restores and cleans up', async () => {
      // Prepare: a versioned, tagged bucket; run 1; overwrites and deletes; run 2; more changes.
      await sandbox.reset();
      const m = sandbox.model;
      m.addBucket(REGION, 'ledger-files', {
        versioning: 'Enabled',
        tags: [{ Key: 'Name', Value: 'ledger' }, BACKUP_TAG],
      });
      m.writeObjects('ledger-files', { prefix: 'a/', to: 40, sizeBytes: 1_000 });
      m.writeObjects('ledger-files', { prefix: 'b/', to: 10, sizeBytes: 5_000 });
      const run1 = await sandbox.run({ tier: 'daily' }, 's3-run-1');
      await sandbox.scheduler.sleep(HOUR);
      m.writeObjects('ledger-files', { prefix: 'a/', from: 0, to: 5, sizeBytes: 1_200 });
      m.writeObjects('ledger-files', { prefix: 'b/', from: 0, to: 10, deleted: true });
      const run2 = await sandbox.run({ tier: 'daily' }, 's3-run-2');
      await sandbox.scheduler.sleep(HOUR);
      m.writeObjects('ledger-files', { prefix: 'a/', to: 40, sizeBytes: 7 });
      const [first] = await sandbox.store.listResources('s3-run-1');
      const [second] = await sandbox.store.listResources('s3-run-2');

      // Act
      const restore = await sandbox.restore(
        { backupId: first?.backupIds?.[0] ?? '', name: 'ledger-restored-run1' },
        's3-restore-run1',
      );
      const drill = await sandbox.restore({ resource: first?.arn ?? '', latest: true, drill: true }, 's3-drill');

      // Assess: both runs' restore points complete; the restore holds the bucket as of run 1 (b/ back,
      // a/0-4 at their first version); the drill restored run 2's point and deleted its bucket.
      expect([run1.status, run2.status, first?.status, second?.status]).toEqual([
        'SUCCEEDED',
        'SUCCEEDED',
        'COMPLETED',
        'COMPLETED',
      ]);
      expect(restore.status).toBe('SUCCEEDED');
      const at = Date.parse(first?.backupIds?.[2] ?? '');
      expect(manifest('ledger-restored-run1', sandbox.scheduler.nowMs())).toEqual(manifest('ledger-files', at));
      expect(manifest('ledger-restored-run1', sandbox.scheduler.nowMs())).toHaveLength(50);
      expect(drill.status).toBe('SUCCEEDED');
      const drilled = await new RestoreStore(dynamoDocClient(), TABLE).get('s3-drill');
      expect(drilled?.backupIds).toEqual(second?.backupIds);
      expect(drilled?.shape).toMatchObject({ objects: 40 });
      expect(drilled?.cleanup?.status).toBe('DELETED');
      expect(m.simulatedBuckets.has(String(drilled?.restoredIds?.[0]))).toBe(false);
    });
  });

  describe('S3VersioningOff', () => {
    it('fails the backup of a bucket without versioning, naming why, and backs up nothing else of it', async () => {
      // Prepare
      await sandbox.reset();
      sandbox.model.addBucket(REGION, 'plain-files', { tags: [{ Key: 'Name', Value: 'plain' }, BACKUP_TAG] });

      // Act
      const run = await sandbox.run({ tier: 'daily' }, 's3-unversioned');

      // Assess
      const [item] = await sandbox.store.listResources('s3-unversioned');
      expect(run.status).toBe('FAILED');
      expect(item?.status).toBe('FAILED');
      expect(JSON.stringify(item?.error)).toMatch(/versioning never enabled/);
      expect(sandbox.model.simulatedBuckets.get('plain-files')?.replication).toBeUndefined();
    });
  });
});
