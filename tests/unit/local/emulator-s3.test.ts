/**
 * S3 buckets over the wire (local/emulator/s3-buckets.ts), with the real S3 and S3 Control clients the
 * drivers make against the emulator, as `npm start` runs them: discovery (ListBuckets, GetBucketTagging),
 * another account's bucket refused (HeadBucket with ExpectedBucketOwner: 403), a backup (versioning and
 * replication read and set, the backup bucket made, the Batch Replication job created and polled), a
 * restore of it (ListObjectVersions, the manifest, the Copy job) compared key by key with the source,
 * and the restored bucket's clean-up (DeleteObjects, DeleteBucket).
 */
import { registerAwsServices } from '../../../local/emulator';
import { type EmulatorServer, startEmulatorServer } from '../../../local/emulator/server';
import { AwsModel } from '../../../local/model';
import { expandSegments } from '../../../local/model/s3-buckets';
import { useClock } from '../../../shared/clock';
import type { ResourceDriver } from '../../../shared/services/driver';
import type { RestoreDriver } from '../../../shared/services/restore';
import { ownershipValues, refOf } from '../../support/unit-fixtures';

const REGION = 'eu-west-1';
const ACCOUNT = '111122223333';
let nowMs = Date.parse('2026-11-02T10:00:00Z');
const clock = { now: () => new Date(nowMs) };
const model = new AwsModel({ accountId: ACCOUNT, clock, tokenBuckets: false });
let server: EmulatorServer;
let driver: ResourceDriver;
let restore: RestoreDriver;
let undoClock: () => void;
const savedEndpoint = process.env.AWS_ENDPOINT_URL;

beforeAll(async () => {
  server = await startEmulatorServer({ defaultRegion: REGION });
  registerAwsServices(server, model);
  process.env.AWS_ENDPOINT_URL = server.endpoint;
  undoClock = useClock(clock);
  // After the endpoint is set: the drivers' clients are made against the emulator (require: CommonJS under jest).
  const services = require('../../../shared/services') as typeof import('../../../shared/services');
  driver = services.DRIVERS['s3-bucket'];
  restore = services.restoreDriverFor('s3-bucket') as RestoreDriver;
});
afterAll(async () => {
  undoClock();
  if (savedEndpoint === undefined) delete process.env.AWS_ENDPOINT_URL;
  else process.env.AWS_ENDPOINT_URL = savedEndpoint;
  await server.close();
});

describe('S3 buckets over the wire', () => {
  it('discovers, backs up, restores exactly and cleans up through the REST-XML and S3 Control routes', async () => {
    // Prepare
    model.addBucket(REGION, 'wire-orders', { versioning: 'Enabled', tags: [{ Key: 'backup', Value: 'true' }] });
    model.addBucket(REGION, 'wire-theirs', { owner: '999988887777', tags: [{ Key: 'backup', Value: 'true' }] });
    model.writeObjects('wire-orders', { prefix: 'a/', to: 30, sizeBytes: 700 });
    const source = refOf('s3-bucket', 'wire-orders');

    // Act: discover, refuse another account's name, back up, change, restore the restore point.
    const found = await driver.discover(REGION, { backup: 'true' }, ACCOUNT);
    const refused = await driver.resolve(refOf('s3-bucket', 'wire-theirs')).then(
      () => 'resolved',
      (e: Error) => e.message,
    );
    const { backupIds } = await driver.start({
      resource: source,
      runId: 'wire-1',
      mayExist: false,
      tags: ownershipValues(source, 'wire-1'),
    });
    let status = 'CREATING';
    for (let i = 0; i < 50 && status === 'CREATING'; i++) {
      nowMs += 5 * 60_000;
      status = (await driver.check(source, backupIds)).status;
    }
    const at = Date.parse(backupIds[2] ?? '');
    model.writeObjects('wire-orders', { prefix: 'a/', from: 0, to: 10, deleted: true });
    const request = {
      restoreId: 'wire-restore',
      region: REGION,
      sourceRegion: REGION,
      backupIds,
      name: 'wire-orders-restored-1',
      settings: {},
      tags: {
        restoredBy: ownershipValues(source).stackName,
        restoreId: 'wire-restore',
        sourceArn: source.arn,
        backupId: backupIds[0] ?? '',
        drill: true,
      },
    };
    const { restoredIds } = await restore.start(request);
    let restored = 'RESTORING';
    for (let i = 0; i < 50 && restored === 'RESTORING'; i++) {
      nowMs += 60_000;
      restored = (await restore.check(REGION, restoredIds)).status;
    }
    const copied = expandSegments(model.contentsAsOf('wire-orders-restored-1', nowMs));
    const removed = await restore.remove(REGION, restoredIds, request.tags.restoredBy);

    // Assess
    expect(found.map((d) => d.ref.id)).toEqual(['wire-orders']);
    expect(refused).toMatch(/not owned by account 111122223333/);
    expect(status).toBe('COMPLETED');
    expect(restored).toBe('AVAILABLE');
    expect(copied).toHaveLength(30);
    expect(copied).toEqual(expandSegments(model.contentsAsOf('wire-orders', at)));
    expect(removed).toBe('gone');
    expect(model.simulatedBuckets.has('wire-orders-restored-1')).toBe(false);
  });
});
