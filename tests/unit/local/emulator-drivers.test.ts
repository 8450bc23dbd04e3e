/**
 * The pipeline's own drivers (shared/drivers) against the emulator over the wire, exactly as the
 * sandbox's Lambdas reach it: AWS_ENDPOINT_URL is set before the drivers (and their SDK clients) are
 * loaded. Proves the real code path end to end: discovery by tag filters and paginators, start, a
 * retried start finding its backup by tags or identifier, check with progress, the backup stores'
 * listing (with AMI holds) and deletion, and AWS errors arriving as the ASL's named
 */

import { registerAwsServices } from '../../../local/emulator';
import { type EmulatorServer, startEmulatorServer } from '../../../local/emulator/server';
import { AwsModel } from '../../../local/model';
import {
  InvalidResourceStateError,
  LimitExceededError,
  QuotaExceededError,
  ResourceNotFoundError,
  ThrottledError,
} from '../../../shared/errors';
import type { ResourceRef } from '../../../shared/resource';
import type { ResourceDriver } from '../../../shared/services';
import type { OwnershipTagValues } from '../../../shared/tags';

const ACCOUNT = '111122223333';
const STACK = 'backup-pipeline';
let now = new Date('2026-11-02T10:00:00Z');
const advance = (seconds: number) => {
  now = new Date(now.getTime() + seconds * 1000);
};
const model = new AwsModel({ accountId: ACCOUNT, clock: { now: () => now }, tokenBuckets: false });
let server: EmulatorServer;
let ec2InstanceDriver: ResourceDriver;
let rdsInstanceDriver: ResourceDriver;
let auroraClusterDriver: ResourceDriver;
const savedEndpoint = process.env.AWS_ENDPOINT_URL;

beforeAll(async () => {
  server = await startEmulatorServer({ defaultRegion: 'eu-west-1' });
  registerAwsServices(server, model);
  // Before the import: the drivers' SDK clients must be built against the emulator, as in the sandbox.
  process.env.AWS_ENDPOINT_URL = server.endpoint;
  // require, not import(): the jest transform (swc) emits CommonJS, and a native import() would need --experimental-vm-modules.
  const { DRIVERS } = require('../../../shared/services') as typeof import('../../../shared/services');
  ec2InstanceDriver = DRIVERS['ec2-instance'];
  rdsInstanceDriver = DRIVERS['rds-instance'];
  auroraClusterDriver = DRIVERS['aurora-cluster'];
});
afterAll(async () => {
  if (savedEndpoint === undefined) delete process.env.AWS_ENDPOINT_URL;
  else process.env.AWS_ENDPOINT_URL = savedEndpoint;
  await server.close();
});

/** The error a call rejects with (a call that succeeds fails the test). */
async function failureOf(call: Promise<unknown>): Promise<unknown> {
  return call.then(
    (value) => {
      throw new Error(`expected a failure, got ${JSON.stringify(value)}`);
    },
    (error: unknown) => error,
  );
}

const tagsFor = (ref: ResourceRef, runId: string): OwnershipTagValues => ({
  stackName: STACK,
  runId,
  tier: 'daily',
  sourceArn: ref.arn,
  expiresAt: '2026-12-02T10:00:00.000Z',
});

describe('EC2 instance driver against the emulator', () => {
  it('discovers by tag, starts one CreateSnapshots, finds it again on retry, and checks it to completion', async () => {
    // Prepare
    const region = 'eu-west-1';
    const web = model.addInstance(region, {
      Tags: [{ Key: 'backup', Value: 'true' }],
      volumes: [
        { Size: 8, snapshotSeconds: 100, Tags: [{ Key: 'team', Value: 'web' }] },
        { Size: 64, snapshotSeconds: 100 },
      ],
    });
    const storeOnly = model.addInstance(region, { Tags: [{ Key: 'backup', Value: 'true' }], volumes: [] });
    model.addInstance(region, { Tags: [{ Key: 'backup', Value: 'false' }], volumes: [{ Size: 8 }] });
    model.addInstance(region, { State: 'terminated', Tags: [{ Key: 'backup', Value: 'true' }], volumes: [] });

    // Act
    const found = await ec2InstanceDriver.discover(region, { backup: 'true' }, ACCOUNT);
    const ref = found.find((d) => d.ref.id === web.InstanceId)?.ref as ResourceRef;
    const started = await ec2InstanceDriver.start({
      resource: ref,
      tags: tagsFor(ref, 'run-ec2'),
      runId: 'run-ec2',
      mayExist: false,
    });
    const atStart = await ec2InstanceDriver.check(ref, started.backupIds);
    advance(50);
    const midway = await ec2InstanceDriver.check(ref, started.backupIds);
    const retried = await ec2InstanceDriver.start({
      resource: ref,
      tags: tagsFor(ref, 'run-ec2'),
      runId: 'run-ec2',
      mayExist: true,
    });
    advance(100);
    const done = await ec2InstanceDriver.check(ref, started.backupIds);

    // Assess
    expect(found.map((d) => [d.ref.id, d.ref.arn, d.skipReason])).toEqual([
      [web.InstanceId, `arn:aws:ec2:${region}:${ACCOUNT}:instance/${web.InstanceId}`, undefined],
      [storeOnly.InstanceId, expect.any(String), 'no EBS volumes (instance store only)'],
    ]);
    expect(started.backupIds).toHaveLength(2);
    expect(started.sizeGiB).toBe(8 + 64);
    expect(
      model
        .snapshots(region)
        .map((s) => s.VolumeId)
        .sort(),
    ).toEqual([...web.volumeIds].sort());
    expect(model.snapshots(region)[0]?.Tags).toEqual(
      expect.arrayContaining([
        { Key: 'team', Value: 'web' },
        { Key: 'backup-pipeline:run-id', Value: 'run-ec2' },
        { Key: 'backup-pipeline:source', Value: ref.arn },
      ]),
    );
    expect(atStart).toEqual({ status: 'CREATING', progress: 0 });
    expect(midway).toEqual({ status: 'CREATING', progress: expect.any(Number) });
    expect(midway.status === 'CREATING' && (midway.progress ?? 0) > 30).toBe(true);
    expect(retried).toEqual({ backupIds: started.backupIds, reused: true });
    expect(done).toEqual({ status: 'COMPLETED', progress: 100 });
  });

  it('lists only this stack’s snapshots with the AMIs that hold them, and deletes only a free one', async () => {
    // Prepare
    const region = 'eu-west-3';
    const volume = model.addVolume(region, { Size: 8 });
    const ours = (runId: string) =>
      model.addExistingSnapshot(region, {
        VolumeId: volume.VolumeId,
        startMs: now.getTime() - 86_400_000,
        Description: `backup-pipeline daily ${runId} ${volume.VolumeId}`,
        Tags: [
          { Key: 'backup-pipeline:managed-by', Value: STACK },
          { Key: 'backup-pipeline:run-id', Value: runId },
          { Key: 'backup-pipeline:tier', Value: 'daily' },
          { Key: 'backup-pipeline:expires-at', Value: '2026-11-01T00:00:00.000Z' },
        ],
      });
    const held = ours('run-1');
    const free = ours('run-2');
    model.addExistingSnapshot(region, {
      VolumeId: volume.VolumeId,
      startMs: 0,
      Tags: [{ Key: 'backup-pipeline:managed-by', Value: 'someone-else' }],
    });
    const image = model.addImage(region, { Name: 'golden', snapshotIds: [held.SnapshotId], Tags: [] });
    const ebsSnapshotStore = ec2InstanceDriver.store;

    // Act
    const owned = await ebsSnapshotStore.listOwned(region, STACK);
    const byId = (id: string) => owned.find((b) => b.id === id);
    await ebsSnapshotStore.delete(byId(free.SnapshotId) as (typeof owned)[number]);
    const refused = await failureOf(ebsSnapshotStore.delete(byId(held.SnapshotId) as (typeof owned)[number]));

    // Assess
    expect(owned.map((b) => [b.id, b.runId, b.complete, b.heldBy])).toEqual([
      [held.SnapshotId, 'run-1', true, [image.ImageId]],
      [free.SnapshotId, 'run-2', true, []],
    ]);
    expect(byId(held.SnapshotId)?.createdAt).toEqual(new Date(now.getTime() - 86_400_000));
    expect(byId(held.SnapshotId)?.expiresAt).toEqual(new Date('2026-11-01T00:00:00.000Z'));
    expect(refused).toBeInstanceOf(InvalidResourceStateError);
    expect(model.snapshots(region).map((s) => s.SnapshotId)).not.toContain(free.SnapshotId);
  });

  it('turns throttling and the pending-snapshot limit into ThrottledError and LimitExceededError', async () => {
    // Prepare
    const region = 'eu-west-2';
    const instance = model.addInstance(region, { volumes: [{ Size: 8, snapshotSeconds: 3600 }] });
    const ref = (
      await ec2InstanceDriver.resolve({
        arn: `arn:aws:ec2:${region}:${ACCOUNT}:instance/${instance.InstanceId}`,
        type: 'ec2-instance',
        region,
        accountId: ACCOUNT,
        id: instance.InstanceId,
      })
    ).ref;
    const start = () =>
      ec2InstanceDriver.start({ resource: ref, tags: tagsFor(ref, 'r'), runId: 'r', mayExist: false });

    // Act
    model.faults.throttleRate = 1;
    const throttled = await failureOf(ec2InstanceDriver.check(ref, ['snap-0123456789abcdef0']));
    model.faults.throttleRate = 0;
    model.limits.pendingSnapshotsPerRegion = 0;
    const limited = await failureOf(start());
    model.limits.pendingSnapshotsPerRegion = 100;

    // Assess
    expect(throttled).toBeInstanceOf(ThrottledError);
    expect(limited).toBeInstanceOf(LimitExceededError);
  });
});

describe('EC2 instance driver in AMI mode against the emulator', () => {
  it('discovers the mode tag, creates one tagged AMI (a retry and a raced first attempt adopt it), polls it to available', async () => {
    // Prepare
    const region = 'ca-central-1';
    const web = model.addInstance(region, {
      Tags: [
        { Key: 'backup', Value: 'true' },
        { Key: 'Name', Value: 'web-1' },
        { Key: 'backup-pipeline:mode', Value: 'ami' },
      ],
      volumes: [
        { Size: 8, snapshotSeconds: 100 },
        { Size: 30, snapshotSeconds: 100 },
      ],
    });

    // Act
    const [found] = await ec2InstanceDriver.discover(region, { backup: 'true' }, ACCOUNT);
    const ref: ResourceRef = { ...(found?.ref as ResourceRef), mode: 'ami' };
    const request = { resource: ref, tags: tagsFor(ref, 'run-ami'), runId: 'run-ami' };
    const started = await ec2InstanceDriver.start({ ...request, mayExist: false });
    const atStart = await ec2InstanceDriver.check(ref, started.backupIds);
    const retried = await ec2InstanceDriver.start({ ...request, mayExist: true });
    const raced = await ec2InstanceDriver.start({ ...request, mayExist: false });
    const foreignRun = await failureOf(
      ec2InstanceDriver.start({ resource: ref, tags: tagsFor(ref, 'run-other'), runId: 'run-ami', mayExist: true }),
    );
    advance(150);
    const done = await ec2InstanceDriver.check(ref, started.backupIds);

    // Assess
    expect(found?.modeTag).toBe('ami');
    expect(started).toEqual({ backupIds: [expect.stringMatching(/^ami-/)], reused: false });
    expect(atStart).toEqual({ status: 'CREATING', progress: undefined });
    expect(retried).toEqual({ ...started, reused: true });
    expect(raced).toEqual({ ...started, reused: true });
    expect(foreignRun).toBeInstanceOf(InvalidResourceStateError);
    expect(done).toEqual({ status: 'COMPLETED', progress: 100 });
    // Three starts, two create calls (the raced one refused as a duplicate name), one image.
    expect(model.calls.get('ec2:CreateImage')).toBe(2);
    const [image] = model.images(region);
    expect(image).toMatchObject({ ImageId: started.backupIds[0], noReboot: true, rebooted: false });
    const snapshots = model.snapshots(region);
    expect(snapshots.map((s) => s.VolumeId).sort()).toEqual([...web.volumeIds].sort());
    for (const tags of [image?.Tags, ...snapshots.map((s) => s.Tags)]) {
      expect(tags).toEqual(
        expect.arrayContaining([
          { Key: 'Name', Value: 'web-1' },
          { Key: 'backup-pipeline:run-id', Value: 'run-ami' },
          { Key: 'backup-pipeline:source', Value: ref.arn },
        ]),
      );
      expect(tags?.some((t) => t.Key === 'backup-pipeline:mode')).toBe(false);
    }
  });

  it('lists this stack’s images, and deletes one with its own snapshots but never a foreign snapshot', async () => {
    // Prepare: an image of ours over one snapshot of ours and one someone else tagged.
    const region = 'sa-east-1';
    const volume = model.addVolume(region, { Size: 8 });
    const tags = (managedBy: string) => [
      { Key: 'backup-pipeline:managed-by', Value: managedBy },
      { Key: 'backup-pipeline:run-id', Value: 'run-1' },
      { Key: 'backup-pipeline:expires-at', Value: '2026-11-01T00:00:00.000Z' },
    ];
    const snapshot = (managedBy: string) =>
      model.addExistingSnapshot(region, {
        VolumeId: volume.VolumeId,
        startMs: now.getTime() - 86_400_000,
        Description: 'Created by CreateImage(i-0123456789abcdef0) for ami-0123456789abcdef0',
        Tags: tags(managedBy),
      }).SnapshotId;
    const mine = snapshot(STACK);
    const theirs = snapshot('someone-else');
    const image = model.addImage(region, {
      Name: 'bp-old',
      snapshotIds: [mine, theirs],
      Tags: tags(STACK),
      creationMs: now.getTime() - 86_400_000,
    });
    model.addImage(region, { Name: 'golden', snapshotIds: [], Tags: tags('someone-else') });
    const imageStore = ec2InstanceDriver.extraStores?.[0];
    if (!imageStore) throw new Error('the EC2 instance driver has no AMI store');

    // Act
    const heldBefore = await ec2InstanceDriver.store.listOwned(region, STACK);
    const owned = await imageStore.listOwned(region, STACK);
    await imageStore.delete(owned[0] as (typeof owned)[number]);
    const heldAfter = await ec2InstanceDriver.store.listOwned(region, STACK);

    // Assess
    expect(owned.map((b) => [b.kind, b.id, b.runId, b.complete, b.holds, b.createdAt])).toEqual([
      ['ec2-image', image.ImageId, 'run-1', true, [mine, theirs], new Date(now.getTime() - 86_400_000)],
    ]);
    expect(owned[0]?.expiresAt).toEqual(new Date('2026-11-01T00:00:00.000Z'));
    expect(heldBefore.map((b) => [b.id, b.heldBy])).toEqual([[mine, [image.ImageId]]]);
    expect(model.images(region).map((i) => i.Name)).toEqual(['golden']);
    expect(model.snapshots(region).map((s) => s.SnapshotId)).toEqual([theirs]);
    expect(heldAfter).toEqual([]);
  });
});

describe('disabled AMIs against the emulator', () => {
  it('sees a disabled AMI of ours: its snapshots stay held, and it expires and goes with its snapshots', async () => {
    // Prepare: an expired image of ours over a snapshot of ours, disabled by an operator (DisableImage).
    const region = 'ap-south-1';
    const volume = model.addVolume(region, { Size: 8 });
    const tags = [
      { Key: 'backup-pipeline:managed-by', Value: STACK },
      { Key: 'backup-pipeline:run-id', Value: 'run-1' },
      { Key: 'backup-pipeline:expires-at', Value: '2026-01-01T00:00:00.000Z' },
    ];
    const snapshot = model.addExistingSnapshot(region, {
      VolumeId: volume.VolumeId,
      startMs: now.getTime() - 86_400_000,
      Description: 'Created by CreateImage(i-0123456789abcdef0) for ami-0123456789abcdef0',
      Tags: tags,
    }).SnapshotId;
    const image = model.addImage(region, { Name: 'bp-disabled', snapshotIds: [snapshot], Tags: tags });
    model.disableImage(region, { ImageId: image.ImageId });
    const imageStore = ec2InstanceDriver.extraStores?.[0];
    if (!imageStore) throw new Error('the EC2 instance driver has no AMI store');

    // Act
    const snapshots = await ec2InstanceDriver.store.listOwned(region, STACK);
    const images = await imageStore.listOwned(region, STACK);
    await imageStore.delete(images[0] as (typeof images)[number]);

    // Assess
    expect(model.describeImages(region, { Owners: ['self'] }).Images).toEqual([]);
    expect(snapshots.map((b) => [b.id, b.heldBy])).toEqual([[snapshot, [image.ImageId]]]);
    expect(images.map((b) => [b.id, b.complete])).toEqual([[image.ImageId, true]]);
    expect(model.images(region)).toEqual([]);
    expect(model.snapshots(region)).toEqual([]);
  });
});

describe('RDS instance driver against the emulator', () => {
  it('discovers by TagList, starts a tagged snapshot, finds it again on retry, and checks it to completion', async () => {
    // Prepare
    const region = 'us-east-1';
    model.addDbInstance(region, {
      DBInstanceIdentifier: 'orders',
      snapshotSeconds: 600,
      TagList: [{ Key: 'backup', Value: 'true' }],
    });
    model.addDbInstance(region, {
      DBInstanceIdentifier: 'ledger-1',
      DBClusterIdentifier: 'ledger',
      TagList: [{ Key: 'backup', Value: 'true' }],
    });
    model.addDbInstance(region, { DBInstanceIdentifier: 'scratch', TagList: [] });

    // Act
    const found = await rdsInstanceDriver.discover(region, { backup: 'true' }, ACCOUNT);
    const ref = found[0]?.ref as ResourceRef;
    const started = await rdsInstanceDriver.start({
      resource: ref,
      tags: tagsFor(ref, 'run-rds'),
      runId: 'run-rds',
      mayExist: false,
    });
    const atStart = await rdsInstanceDriver.check(ref, started.backupIds);
    const retried = await rdsInstanceDriver.start({
      resource: ref,
      tags: tagsFor(ref, 'run-rds'),
      runId: 'run-rds',
      mayExist: true,
    });
    // A second first attempt (a lost intent record) meets DBSnapshotAlreadyExists and adopts its own snapshot.
    const raced = await rdsInstanceDriver.start({
      resource: ref,
      tags: tagsFor(ref, 'run-rds'),
      runId: 'run-rds',
      mayExist: false,
    });
    advance(300);
    const midway = await rdsInstanceDriver.check(ref, started.backupIds);
    advance(600);
    const done = await rdsInstanceDriver.check(ref, started.backupIds);
    const owned = await rdsInstanceDriver.store.listOwned(region, STACK);

    // Assess
    expect(found.map((d) => [d.ref.id, d.ref.arn, d.backedUpWith?.arn])).toEqual([
      ['orders', `arn:aws:rds:${region}:${ACCOUNT}:db:orders`, undefined],
      ['ledger-1', expect.any(String), `arn:aws:rds:${region}:${ACCOUNT}:cluster:ledger`],
    ]);
    expect(started).toEqual({
      backupIds: [expect.stringMatching(/^bp-run-rds-[0-9a-f]{8}-orders$/)],
      reused: false,
      sizeGiB: 100,
    });
    expect(atStart).toEqual({ status: 'CREATING', progress: 0 });
    expect(retried).toEqual({ ...started, reused: true });
    expect(raced).toEqual({ ...started, reused: true });
    expect(midway.status === 'CREATING' && (midway.progress ?? 0) > 0 && (midway.progress ?? 100) < 100).toBe(true);
    expect(done).toEqual({ status: 'COMPLETED', progress: 100 });
    expect(owned.map((b) => [b.id, b.source, b.tier, b.runId, b.complete])).toEqual([
      [started.backupIds[0], ref.arn, 'daily', 'run-rds', true],
    ]);
  });

  it('turns a stopped instance, a missing one and the snapshot quota into the ASL’s named errors', async () => {
    // Prepare
    const region = 'us-east-2';
    model.addDbInstance(region, { DBInstanceIdentifier: 'sleepy', status: 'stopped' });
    model.addDbInstance(region, { DBInstanceIdentifier: 'busy' });
    model.addExistingDbSnapshot(region, { DBSnapshotIdentifier: 'old', DBInstanceIdentifier: 'busy', startMs: 0 });
    const ref = (id: string): ResourceRef => ({
      arn: `arn:aws:rds:${region}:${ACCOUNT}:db:${id}`,
      type: 'rds-instance',
      region,
      accountId: ACCOUNT,
      id,
    });
    const start = (id: string) =>
      rdsInstanceDriver.start({ resource: ref(id), tags: tagsFor(ref(id), 'r'), runId: 'r', mayExist: false });

    // Act
    const stopped = await failureOf(start('sleepy'));
    const missing = await failureOf(start('gone'));
    const resolveMissing = await failureOf(rdsInstanceDriver.resolve(ref('gone')));
    model.limits.manualDbSnapshotsPerRegion = 1;
    const quota = await failureOf(start('busy'));
    model.limits.manualDbSnapshotsPerRegion = 100;

    // Assess
    expect(stopped).toBeInstanceOf(InvalidResourceStateError);
    expect(missing).toBeInstanceOf(ResourceNotFoundError);
    expect(resolveMissing).toBeInstanceOf(ResourceNotFoundError);
    expect(quota).toBeInstanceOf(QuotaExceededError);
  });
});

describe('Aurora cluster driver against the emulator', () => {
  it('discovers a tagged cluster, snapshots it once (a retry adopts it), polls it to completion, lists and deletes it', async () => {
    // Prepare
    const region = 'ap-southeast-2';
    model.addDbCluster(region, {
      DBClusterIdentifier: 'ledger',
      snapshotSeconds: 900,
      TagList: [{ Key: 'backup', Value: 'true' }],
    });
    model.addDbCluster(region, { DBClusterIdentifier: 'scratch' });

    // Act
    const found = await auroraClusterDriver.discover(region, { backup: 'true' }, ACCOUNT);
    const ref = found[0]?.ref as ResourceRef;
    const request = { resource: ref, tags: tagsFor(ref, 'run-aurora'), runId: 'run-aurora' };
    const started = await auroraClusterDriver.start({ ...request, mayExist: false });
    const retried = await auroraClusterDriver.start({ ...request, mayExist: true });
    const raced = await auroraClusterDriver.start({ ...request, mayExist: false });
    advance(300);
    const midway = await auroraClusterDriver.check(ref, started.backupIds);
    const busyDelete = await failureOf(
      auroraClusterDriver.store.listOwned(region, STACK).then(([b]) => auroraClusterDriver.store.delete(b as never)),
    );
    advance(900);
    const done = await auroraClusterDriver.check(ref, started.backupIds);
    const owned = await auroraClusterDriver.store.listOwned(region, STACK);
    await auroraClusterDriver.store.delete(owned[0] as never);
    const missing = await failureOf(auroraClusterDriver.resolve({ ...ref, id: 'gone' }));

    // Assess
    expect(found.map((d) => d.ref)).toEqual([
      {
        arn: `arn:aws:rds:${region}:${ACCOUNT}:cluster:ledger`,
        type: 'aurora-cluster',
        region,
        accountId: ACCOUNT,
        id: 'ledger',
      },
    ]);
    expect(started).toEqual({
      backupIds: [expect.stringMatching(/^bp-run-aurora-[0-9a-f]{8}-ledger$/)],
      reused: false,
    });
    expect(retried).toEqual({ ...started, reused: true });
    expect(raced).toEqual({ ...started, reused: true });
    // Three starts, two create calls (the raced one refused as already existing), one snapshot, then deleted.
    expect(model.calls.get('rds:CreateDBClusterSnapshot')).toBe(2);
    expect(model.dbClusterSnapshots(region)).toEqual([]);
    expect(midway.status === 'CREATING' && (midway.progress ?? 0) > 0).toBe(true);
    expect(busyDelete).toBeInstanceOf(InvalidResourceStateError);
    expect(done).toEqual({ status: 'COMPLETED', progress: 100 });
    expect(owned.map((b) => [b.kind, b.id, b.source, b.tier, b.runId, b.complete])).toEqual([
      ['rds-cluster-snapshot', started.backupIds[0], ref.arn, 'daily', 'run-aurora', true],
    ]);
    expect(missing).toBeInstanceOf(ResourceNotFoundError);
  });
});
