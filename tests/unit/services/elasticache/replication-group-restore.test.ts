/**
 * shared/services/elasticache/replication-group-restore.ts against the AWS model behind the SDK: a NEW
 * replication group from the snapshot (CreateReplicationGroup SnapshotName) with the source's shape and
 * the restore tags; a retry adopts its own group, a taken id is refused before anything is made; check
 * (creating, then available with its shape); removal only of what this restore made, waiting while the
 * group is still being created.
 */
import { AwsModel } from '../../../../local/model';
import { InvalidResourceStateError, NameInUseError } from '../../../../shared/errors';
import { replicationGroupDriver } from '../../../../shared/services/elasticache/replication-group';
import { replicationGroupRestore } from '../../../../shared/services/elasticache/replication-group-restore';
import type { RestoreRequest } from '../../../../shared/services/restore';
import { RESTORE_TAG } from '../../../../shared/tags';
import { startRequest } from '../../../support/driver-harness';
import { wireModelToSdk } from '../../../support/model-sdk-mocks';
import { ACCOUNT, REGION, refOf, STACK } from '../../../support/unit-fixtures';

const OWNER = `${STACK}@${REGION}`;
let now = Date.parse('2026-01-05T02:00:00Z');
let model: AwsModel;
let unwire: () => void;
const source = refOf('elasticache-replication-group', 'sessions');

/** A finished snapshot of a group, and its restore settings as Plan recorded them. */
async function backedUp(extra: { ClusterEnabled?: boolean; shards?: number } = {}) {
  model.addReplicationGroup(REGION, {
    ReplicationGroupId: 'sessions',
    Engine: 'valkey',
    snapshotSeconds: 60,
    Tags: [{ Key: 'backup', Value: 'true' }],
    ...extra,
  });
  const { restoreSettings } = await replicationGroupDriver.resolve(source);
  const { backupIds } = await replicationGroupDriver.start(startRequest(source, false));
  now += 600_000;
  return { settings: restoreSettings, snapshot: backupIds[0] ?? '' };
}

const request = (snapshot: string, settings: unknown, extra: Partial<RestoreRequest> = {}): RestoreRequest => ({
  restoreId: 'restore-1',
  region: REGION,
  sourceRegion: REGION,
  backupIds: [snapshot],
  name: 'sessions-restored-1',
  settings,
  tags: { restoredBy: OWNER, restoreId: 'restore-1', sourceArn: source.arn, backupId: snapshot, drill: true },
  ...extra,
});

beforeEach(() => {
  now = Date.parse('2026-01-05T02:00:00Z');
  model = new AwsModel({ accountId: ACCOUNT, clock: { now: () => new Date(now) }, tokenBuckets: false });
  unwire = wireModelToSdk(model).restore;
});
afterEach(() => unwire());

describe('ElastiCache replication group restore', () => {
  it('makes a new group from the snapshot, tagged, creating then available with its shape', async () => {
    // Prepare
    const { settings, snapshot } = await backedUp();

    // Act
    const started = await replicationGroupRestore.start(request(snapshot, settings));
    const first = await replicationGroupRestore.check(REGION, started.restoredIds);
    now += 3_600_000;
    const later = await replicationGroupRestore.check(REGION, started.restoredIds);

    // Assess
    expect(started).toEqual({ restoredIds: ['sessions-restored-1'], reused: false });
    expect(first).toEqual({ status: 'RESTORING', state: 'creating' });
    expect(later).toEqual({
      status: 'AVAILABLE',
      shape: {
        replicationGroupId: 'sessions-restored-1',
        cacheNodeType: 'cache.r7g.large',
        clusterEnabled: false,
        nodeGroups: 1,
        nodes: 2,
      },
    });
    const [made] = model.restoredCacheGroups(REGION);
    expect(made?.from).toBe(snapshot);
    expect(made?.tags).toEqual(expect.arrayContaining([{ Key: RESTORE_TAG.restoreId, Value: 'restore-1' }]));
  });

  it('restores a cluster-mode group with its shards', async () => {
    const { settings, snapshot } = await backedUp({ ClusterEnabled: true, shards: 3 });

    await replicationGroupRestore.start(request(snapshot, settings));
    now += 3_600_000;

    await expect(replicationGroupRestore.check(REGION, ['sessions-restored-1'])).resolves.toMatchObject({
      shape: { clusterEnabled: true, nodeGroups: 3, nodes: 6 },
    });
  });

  it('adopts its own group on a retry, and refuses an id another holds before making anything', async () => {
    const { settings, snapshot } = await backedUp();
    await replicationGroupRestore.start(request(snapshot, settings));

    const again = await replicationGroupRestore.start(request(snapshot, settings));
    const other = replicationGroupRestore.start(
      request(snapshot, settings, {
        restoreId: 'restore-2',
        tags: { ...request(snapshot, settings).tags, restoreId: 'restore-2' },
      }),
    );

    expect(again.reused).toBe(true);
    await expect(other).rejects.toBeInstanceOf(NameInUseError);
    expect(model.restoredCacheGroups(REGION)).toHaveLength(1);
  });

  it('names only what ElastiCache accepts as a replication group id', () => {
    expect(replicationGroupRestore.nameProblem('sessions-restored-1')).toBeUndefined();
    expect(replicationGroupRestore.nameProblem('Sessions')).toMatch(/lower-case/);
    expect(replicationGroupRestore.nameProblem('a'.repeat(41))).toMatch(/at most 40/);
    expect(replicationGroupRestore.nameProblem('a--b')).toMatch(/two hyphens/);
  });

  it('removes only what this restore made, once it is no longer being created', async () => {
    const { settings, snapshot } = await backedUp();
    await replicationGroupRestore.start(request(snapshot, settings));
    const context = {
      tags: request(snapshot, settings).tags,
      settings,
      backupIds: [snapshot],
      startedAt: new Date(now).toISOString(),
    };

    const whileCreating = await replicationGroupRestore.remove(REGION, ['sessions-restored-1'], OWNER, context);
    now += 3_600_000;
    const refused = replicationGroupRestore.remove(REGION, ['sessions'], OWNER, context);
    const deleting = await replicationGroupRestore.remove(REGION, ['sessions-restored-1'], OWNER, context);
    now += 3_600_000;
    const gone = await replicationGroupRestore.remove(REGION, ['sessions-restored-1'], OWNER, context);

    expect([whileCreating, deleting, gone]).toEqual(['deleting', 'deleting', 'gone']);
    await expect(refused).rejects.toBeInstanceOf(InvalidResourceStateError);
  });
});
