/**
 * The emulator's ElastiCache wire protocol (awsQuery), through the real ElastiCacheClient, and the AWS
 * rules the model enforces (docs/aws-behaviour.md, ElastiCache): groups and their nodes with paging,
 * tags only through ListTagsForResource, CreateSnapshot naming a node or a group (exactly one; never a
 * node of a cluster-mode group, never Memcached), one snapshot at a time per group, the 20 per node in
 * 24 hours, unique names, no delete while creating, and restores into a new group (id rules, taken ids,
 * a snapshot that must be available), each fault as the SDK's own exception with ElastiCache's status.
 */
import {
  CreateReplicationGroupCommand,
  CreateSnapshotCommand,
  DeleteReplicationGroupCommand,
  DeleteSnapshotCommand,
  DescribeCacheClustersCommand,
  DescribeReplicationGroupsCommand,
  DescribeSnapshotsCommand,
  ElastiCacheClient,
  ElastiCacheServiceException,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-elasticache';
import { toPipelineError } from '../../../shared/errors';
import { EMULATOR_REGION as REGION, useEmulator } from '../../support/emulator-harness';

const emu = useEmulator((config) => new ElastiCacheClient(config));
/** Any of the commands below, for the refusals (each command's own output type does not matter there). */
const send = (command: { input: object }): Promise<unknown> => emu.client().send(command as never);

async function failure(call: Promise<unknown>): Promise<ElastiCacheServiceException> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ElastiCacheServiceException))
    throw new Error(`expected an ElastiCache error, got ${String(error)}`);
  return error;
}

describe('emulator: ElastiCache', () => {
  beforeAll(() => {
    emu.model.addReplicationGroup(REGION, {
      ReplicationGroupId: 'sessions',
      replicas: 1,
      snapshotSeconds: 300,
      Tags: [{ Key: 'backup', Value: 'true' }],
    });
    emu.model.addReplicationGroup(REGION, {
      ReplicationGroupId: 'sharded',
      ClusterEnabled: true,
      shards: 2,
      snapshotSeconds: 300,
    });
    emu.model.addReplicationGroup(REGION, {
      ReplicationGroupId: 'tiny',
      CacheNodeType: 'cache.t1.micro',
      snapshotSeconds: 60,
    });
    emu.model.addMemcachedCluster(REGION, { CacheClusterId: 'pages' });
  });

  it('describes groups with their members and roles, nodes and Memcached clusters, and tags by ARN only', async () => {
    const groups = await emu.client().send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'sessions' }));
    const clusters = await emu.client().send(new DescribeCacheClustersCommand({}));
    const arn = groups.ReplicationGroups?.[0]?.ARN ?? '';
    const tags = await emu.client().send(new ListTagsForResourceCommand({ ResourceName: arn }));

    expect(
      groups.ReplicationGroups?.[0]?.NodeGroups?.[0]?.NodeGroupMembers?.map((m) => [m.CacheClusterId, m.CurrentRole]),
    ).toEqual([
      ['sessions-001', 'primary'],
      ['sessions-002', 'replica'],
    ]);
    expect(clusters.CacheClusters?.find((c) => c.CacheClusterId === 'pages')?.Engine).toBe('memcached');
    expect(tags.TagList).toEqual([{ Key: 'backup', Value: 'true' }]);
    const missing = await failure(
      emu.client().send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'nope' })),
    );
    expect([missing.name, missing.$metadata.httpStatusCode]).toEqual(['ReplicationGroupNotFoundFault', 404]);
  });

  it('refuses a snapshot of a cluster-mode node, of Memcached, of cache.t1.micro, or naming both or neither', async () => {
    const refusals = await Promise.all([
      failure(send(new CreateSnapshotCommand({ SnapshotName: 'a', CacheClusterId: 'sharded-0001-001' }))),
      failure(send(new CreateSnapshotCommand({ SnapshotName: 'b', CacheClusterId: 'pages' }))),
      failure(send(new CreateSnapshotCommand({ SnapshotName: 'c', ReplicationGroupId: 'tiny' }))),
      failure(
        send(
          new CreateSnapshotCommand({
            SnapshotName: 'd',
            ReplicationGroupId: 'sessions',
            CacheClusterId: 'sessions-002',
          }),
        ),
      ),
      failure(send(new CreateSnapshotCommand({ SnapshotName: 'e' }))),
    ]);
    expect(refusals.map((e) => e.name)).toEqual([
      'InvalidParameterCombinationException',
      'InvalidParameterCombinationException',
      'SnapshotFeatureNotSupportedFault',
      'InvalidParameterCombinationException',
      'InvalidParameterCombinationException',
    ]);
  });

  it('takes one snapshot at a time per group, keeps names unique, refuses deleting one being made', async () => {
    const made = await emu.client().send(
      new CreateSnapshotCommand({
        SnapshotName: 'bp-s1',
        CacheClusterId: 'sessions-002',
        Tags: [{ Key: 'k', Value: 'v' }],
      }),
    );
    const busy = await failure(
      send(new CreateSnapshotCommand({ SnapshotName: 'bp-s2', CacheClusterId: 'sessions-002' })),
    );
    const taken = await failure(
      send(new CreateSnapshotCommand({ SnapshotName: 'bp-s1', ReplicationGroupId: 'sharded' })),
    );
    const early = await failure(send(new DeleteSnapshotCommand({ SnapshotName: 'bp-s1' })));

    expect(made.Snapshot?.SnapshotStatus).toBe('creating');
    expect(busy.name).toBe('InvalidCacheClusterStateFault');
    expect(toPipelineError(busy, 'x').name).toBe('InvalidResourceStateError');
    expect(taken.name).toBe('SnapshotAlreadyExistsFault');
    expect(early.name).toBe('InvalidSnapshotStateFault');
    emu.advance(3600);
    const done = await emu.client().send(new DescribeSnapshotsCommand({ SnapshotName: 'bp-s1' }));
    expect(done.Snapshots?.[0]?.SnapshotStatus).toBe('available');
  });

  it('allows 20 manual snapshots per node in 24 hours, then SnapshotQuotaExceededFault (a QuotaExceededError)', async () => {
    emu.model.addReplicationGroup(REGION, { ReplicationGroupId: 'busy', replicas: 0, snapshotSeconds: 1 });
    for (let n = 0; n < 20; n++) {
      await send(new CreateSnapshotCommand({ SnapshotName: `q-${n}`, CacheClusterId: 'busy-001' }));
      emu.advance(60);
    }
    const refused = await failure(
      send(new CreateSnapshotCommand({ SnapshotName: 'q-20', CacheClusterId: 'busy-001' })),
    );
    expect(refused.name).toBe('SnapshotQuotaExceededFault');
    expect(toPipelineError(refused, 'x').name).toBe('QuotaExceededError');
    emu.advance(86_400);
    await expect(
      send(new CreateSnapshotCommand({ SnapshotName: 'q-21', CacheClusterId: 'busy-001' })),
    ).resolves.toBeDefined();
  });

  it('restores a snapshot into a new group only under a free, valid id, from an available snapshot', async () => {
    await send(new CreateSnapshotCommand({ SnapshotName: 'bp-r1', CacheClusterId: 'sessions-002' }));
    const base = { ReplicationGroupDescription: 'restore', SnapshotName: 'bp-r1', NumCacheClusters: 2 };
    const notYet = await failure(
      send(new CreateReplicationGroupCommand({ ...base, ReplicationGroupId: 'restored-a' })),
    );
    emu.advance(3600);
    const badId = await failure(send(new CreateReplicationGroupCommand({ ...base, ReplicationGroupId: 'a--b' })));
    const taken = await failure(send(new CreateReplicationGroupCommand({ ...base, ReplicationGroupId: 'sessions' })));
    const noSnapshot = await failure(
      send(new CreateReplicationGroupCommand({ ...base, SnapshotName: 'nope', ReplicationGroupId: 'restored-b' })),
    );
    const made = await emu
      .client()
      .send(new CreateReplicationGroupCommand({ ...base, ReplicationGroupId: 'Restored-C' }));
    const deleteEarly = await failure(send(new DeleteReplicationGroupCommand({ ReplicationGroupId: 'restored-c' })));

    expect([notYet.name, badId.name, taken.name, noSnapshot.name, deleteEarly.name]).toEqual([
      'InvalidSnapshotStateFault',
      'InvalidParameterValueException',
      'ReplicationGroupAlreadyExistsFault',
      'SnapshotNotFoundFault',
      'InvalidReplicationGroupStateFault',
    ]);
    expect(toPipelineError(taken, 'x').name).toBe('NameInUseError');
    // Stored in lower case.
    expect(made.ReplicationGroup?.ReplicationGroupId).toBe('restored-c');
  });
});
