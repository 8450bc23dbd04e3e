/**
 * shared/services/elasticache/replication-group.ts against the AWS model (local/model/elasticache.ts)
 * behind the SDK: discovery by tag (a tagged Memcached cluster reported SKIPPED with why), resolve, the
 * node a snapshot is taken of (a read replica's, the primary's only when there is none, the group when
 * cluster mode is on), a start that finds an earlier attempt's snapshot, check, the named errors
 * (throttling, the 24-hour quota, a group busy with another snapshot, a group gone), copies reported not
 * copied, and retention's store (only what carries this stack's prefix and managed-by tag).
 */
import { AwsModel } from '../../../../local/model';
import {
  InvalidResourceStateError,
  QuotaExceededError,
  ResourceNotFoundError,
  ThrottledError,
} from '../../../../shared/errors';
import {
  elasticacheSnapshotName,
  elasticacheSnapshotStore,
  MEMCACHED_NOT_BACKED_UP,
  replicationGroupDriver,
  SNAPSHOT_NOT_COPIED,
} from '../../../../shared/services/elasticache/replication-group';
import { startRequest } from '../../../support/driver-harness';
import { wireModelToSdk } from '../../../support/model-sdk-mocks';
import { ACCOUNT, ownedTags, REGION, refOf, STACK } from '../../../support/unit-fixtures';

const BACKUP = { Key: 'backup', Value: 'true' };
let now = Date.parse('2026-01-05T02:00:00Z');
let model: AwsModel;
let unwire: () => void;
beforeEach(() => {
  now = Date.parse('2026-01-05T02:00:00Z');
  model = new AwsModel({ accountId: ACCOUNT, clock: { now: () => new Date(now) }, tokenBuckets: false });
  unwire = wireModelToSdk(model).restore;
});
afterEach(() => unwire());

const group = (
  id = 'sessions',
  extra: Parameters<AwsModel['addReplicationGroup']>[1] extends infer G ? Partial<G> : never = {},
) => model.addReplicationGroup(REGION, { ReplicationGroupId: id, snapshotSeconds: 300, Tags: [BACKUP], ...extra });
const ref = (id = 'sessions') => refOf('elasticache-replication-group', id);

describe('ElastiCache replication group driver', () => {
  it('discovers tagged groups and reports a tagged Memcached cluster as skipped, with why', async () => {
    // Prepare
    group('sessions');
    group('untagged', { Tags: [] });
    model.addMemcachedCluster(REGION, { CacheClusterId: 'pages', Tags: [BACKUP] });

    // Act
    const found = await replicationGroupDriver.discover(REGION, { backup: 'true' }, ACCOUNT);

    // Assess
    expect(found.map((d) => [d.ref.id, d.skipReason])).toEqual([
      ['sessions', undefined],
      ['pages', MEMCACHED_NOT_BACKED_UP],
    ]);
    expect(found[0]?.ref.arn).toBe(model.replicationGroupArn(REGION, 'sessions'));
    expect(found[0]?.restoreSettings).toMatchObject({
      engine: 'redis',
      cacheNodeType: 'cache.r7g.large',
      clusterEnabled: false,
      replicasPerNodeGroup: 1,
      backedUpFrom: 'read replica sessions-002',
    });
  });

  it('resolves a group by ARN, and refuses one that does not exist as not found', async () => {
    group('sessions');
    await expect(replicationGroupDriver.resolve(ref('sessions'))).resolves.toMatchObject({ ref: ref('sessions') });
    await expect(replicationGroupDriver.resolve(ref('gone'))).rejects.toBeInstanceOf(ResourceNotFoundError);
  });

  it('snapshots the read replica, never the primary, when the group has one', async () => {
    // Prepare
    group('sessions', { replicas: 2 });

    // Act
    const started = await replicationGroupDriver.start(startRequest(ref(), false));

    // Assess
    const [snapshot] = model.cacheSnapshots(REGION);
    expect(started).toEqual({ backupIds: [elasticacheSnapshotName('run-1', 'sessions')], reused: false });
    expect(snapshot).toMatchObject({ CacheClusterId: 'sessions-002', ReplicationGroupId: 'sessions' });
    expect(snapshot?.Tags).toEqual(expect.arrayContaining(ownedTags(ref())));
  });

  it('snapshots the primary only when there is no replica, and a cluster-mode group at group level', async () => {
    group('single', { replicas: 0 });
    group('sharded', { ClusterEnabled: true, shards: 2, replicas: 1 });

    await replicationGroupDriver.start(startRequest(ref('single'), false));
    await replicationGroupDriver.start(startRequest(ref('sharded'), false));

    const byGroup = Object.fromEntries(model.cacheSnapshots(REGION).map((s) => [s.ReplicationGroupId, s]));
    expect(byGroup.single?.CacheClusterId).toBe('single-001');
    expect(byGroup.sharded?.CacheClusterId).toBeUndefined();
    const single = await replicationGroupDriver.resolve(ref('single'));
    expect(single.restoreSettings?.backedUpFrom).toMatch(/^primary single-001 \(the group has no read replica/);
    // Noted on the record: Plan keeps a Discovered's note on the resource's item.
    expect(single.note).toMatch(/^snapshot of the primary single-001/);
    expect((await replicationGroupDriver.resolve(ref('sharded'))).note).toBeUndefined();
  });

  it('finds the snapshot an earlier attempt started instead of making a second', async () => {
    group('sessions');
    await replicationGroupDriver.start(startRequest(ref(), false));

    const again = await replicationGroupDriver.start(startRequest(ref(), true));
    // The SDK's retry of a lost answer (no lookup first): refused as existing, adopted.
    const raced = await replicationGroupDriver.start(startRequest(ref(), false));

    expect(again.reused).toBe(true);
    expect(raced.reused).toBe(true);
    expect(model.cacheSnapshots(REGION)).toHaveLength(1);
  });

  it('is CREATING while the snapshot is made, then COMPLETED', async () => {
    group('sessions');
    const { backupIds } = await replicationGroupDriver.start(startRequest(ref(), false));

    const first = await replicationGroupDriver.check(ref(), backupIds);
    now += 3_600_000;
    const later = await replicationGroupDriver.check(ref(), backupIds);

    expect(first.status).toBe('CREATING');
    expect(later).toEqual({ status: 'COMPLETED', progress: 100 });
  });

  it('maps ElastiCache refusals to the named errors: the 24-hour quota, a group gone, throttling', async () => {
    // Prepare: one snapshot of the replica's node today, with the quota at one.
    group('sessions');
    model.limits.manualCacheSnapshotsPerNodePerDay = 1;
    await replicationGroupDriver.start(startRequest(ref('sessions'), false, { runId: 'run-0' }));
    now += 3_600_000;

    // Act, Assess
    await expect(replicationGroupDriver.start(startRequest(ref('sessions'), false))).rejects.toBeInstanceOf(
      QuotaExceededError,
    );
    await expect(replicationGroupDriver.start(startRequest(ref('gone'), false))).rejects.toBeInstanceOf(
      ResourceNotFoundError,
    );
    model.faults.throttleRate = 1;
    await expect(replicationGroupDriver.start(startRequest(ref('sessions'), false))).rejects.toBeInstanceOf(
      ThrottledError,
    );
  });

  it('refuses a snapshot while the group is taking another (one at a time)', async () => {
    group('sessions');
    await replicationGroupDriver.start(startRequest(ref(), false));

    await expect(replicationGroupDriver.start(startRequest(ref(), false, { runId: 'run-2' }))).rejects.toBeInstanceOf(
      InvalidResourceStateError,
    );
  });

  it('says why its snapshots are not copied to another region', async () => {
    expect(replicationGroupDriver.notCopied?.(ref())).toBe(SNAPSHOT_NOT_COPIED);
    await expect(
      replicationGroupDriver.copy?.(ref(), {
        resource: ref(),
        backupIds: ['x'],
        region: 'us-west-2',
        kmsKeyId: undefined,
        tags: startRequest(ref(), false).tags,
        runId: 'run-1',
      }),
    ).resolves.toEqual({ notCopied: SNAPSHOT_NOT_COPIED });
  });

  it("lists as owned only this stack's prefixed, tagged snapshots, and deletes them", async () => {
    // Prepare: ours, another stack's, and a hand-made one carrying our tags but not our prefix.
    group('sessions');
    const start = now - 10 * 86_400_000;
    const source = ref().arn;
    model.addExistingCacheSnapshot(REGION, {
      SnapshotName: 'bp-old-1-sessions',
      ReplicationGroupId: 'sessions',
      startMs: start,
      Tags: ownedTags({ arn: source }, 'old-1'),
    });
    model.addExistingCacheSnapshot(REGION, {
      SnapshotName: 'bp-other-sessions',
      ReplicationGroupId: 'sessions',
      startMs: start,
      Tags: ownedTags({ arn: source }, 'old-2', { managedBy: 'Other' }),
    });
    model.addExistingCacheSnapshot(REGION, {
      SnapshotName: 'manual-sessions',
      ReplicationGroupId: 'sessions',
      startMs: start,
      Tags: ownedTags({ arn: source }, 'old-3'),
    });

    // Act
    const owned = await elasticacheSnapshotStore.listOwned(REGION, STACK);
    for (const backup of owned) await elasticacheSnapshotStore.delete(backup);

    // Assess
    expect(owned.map((b) => [b.id, b.source, b.runId, b.complete])).toEqual([
      ['bp-old-1-sessions', source, 'old-1', true],
    ]);
    expect(model.cacheSnapshots(REGION).map((s) => s.SnapshotName)).toEqual(['bp-other-sessions', 'manual-sessions']);
  });
});
