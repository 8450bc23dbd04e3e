/**
 * ElastiCache workflow scenarios (issue #22 item 2): statemachines/backup.asl.json and restore.asl.json
 * with the real handlers, ElastiCache answered in-process by the AWS model, state in dynalite, time
 * virtual. One replication group (and a Memcached cluster) is the smallest fleet that shows each property:
 * HappyRun (the replica's snapshot, not copied to the DR region and why, Memcached skipped and why),
 * ThrottledRun, QuotaRefusal, RetentionOverTwoRuns, Restore and Drill.
 */
import { BACKUP_TAG } from '../../local/estates/fleet';
import { AwsApiError } from '../../local/model';
import { MEMCACHED_NOT_BACKED_UP, SNAPSHOT_NOT_COPIED } from '../../shared/services/elasticache/replication-group';
import { RESTORE_TAG } from '../../shared/tags';
import { openSandbox, REGION, type Sandbox } from '../support/workflow-sandbox';

jest.setTimeout(60_000);

const DAY = 86_400_000;
const DR_REGION = 'us-west-2';
let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await openSandbox();
});
afterAll(async () => {
  await sandbox.close();
});

/**
 * A group with one read replica, and a tagged Memcached cluster beside it. The state table outlives a
 * reset: each scenario names its group (`carts` by default), so none reads another's restore points.
 */
async function seed(limits: Record<string, number> = {}, id = 'carts') {
  await sandbox.reset({ model: { limits } });
  sandbox.model.addReplicationGroup(REGION, {
    ReplicationGroupId: id,
    replicas: 1,
    snapshotSeconds: 600,
    Tags: [{ Key: 'Name', Value: id }, BACKUP_TAG],
  });
  sandbox.model.addMemcachedCluster(REGION, { CacheClusterId: 'pages', Tags: [BACKUP_TAG] });
  return sandbox.model.replicationGroupArn(REGION, id);
}
const run = (name: string, input: object = { tier: 'daily' }) => sandbox.run(input, name);
const records = (runId: string) => sandbox.store.listResources(runId);

describe('ElastiCache workflow', () => {
  it('HappyRun: snapshots the read replica, says why it is not copied and why Memcached is skipped', async () => {
    // Prepare
    await seed();
    // A group without a read replica: its primary is snapshotted, and the record says so.
    sandbox.model.addReplicationGroup(REGION, {
      ReplicationGroupId: 'solo',
      replicas: 0,
      snapshotSeconds: 300,
      Tags: [BACKUP_TAG],
    });

    // Act
    const result = await run('happy', { tier: 'daily', copyTo: [{ region: DR_REGION }] });

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    const byId = Object.fromEntries((await records('happy')).map((r) => [r.arn.split(':').at(-1), r]));
    expect(byId.carts?.status).toBe('COMPLETED');
    expect(JSON.stringify(byId.carts?.copies)).toContain(SNAPSHOT_NOT_COPIED);
    expect(byId.carts?.restoreSettings?.backedUpFrom).toBe('read replica carts-002');
    expect(byId.pages).toMatchObject({ status: 'SKIPPED', note: MEMCACHED_NOT_BACKED_UP });
    expect(byId.solo).toMatchObject({
      status: 'COMPLETED',
      note: expect.stringMatching(/^snapshot of the primary solo-001/),
    });
    expect(byId.carts?.note).toBeUndefined();
    expect(sandbox.model.cacheSnapshots(REGION).map((s) => [s.CacheClusterId, s.SnapshotStatus])).toEqual([
      ['carts-002', 'available'],
      ['solo-001', 'available'],
    ]);
    expect(sandbox.model.cacheSnapshots(DR_REGION)).toEqual([]);
  });

  it('ThrottledRun: throttled snapshot creates are retried by the state machine, never failed', async () => {
    // Prepare: the first three CreateSnapshot calls are throttled.
    await seed();
    const create = sandbox.model.createCacheSnapshot;
    let throttled = 0;
    const spy = jest.spyOn(sandbox.model, 'createCacheSnapshot').mockImplementation((region, input) => {
      if (throttled++ < 3) throw new AwsApiError('Throttling', 'Rate exceeded', 400);
      return create.call(sandbox.model, region, input);
    });

    // Act
    const result = await run('throttled');
    spy.mockRestore();

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(throttled).toBe(4);
    expect((await records('throttled')).find((r) => r.arn.endsWith(':carts'))?.status).toBe('COMPLETED');
    expect(sandbox.model.cacheSnapshots(REGION)).toHaveLength(1);
  });

  it('QuotaRefusal: past 20 snapshots of a node in 24 hours the group is FAILED with QuotaExceededError', async () => {
    // Prepare: the node's quota lowered to one, used by a first run.
    await seed({ manualCacheSnapshotsPerNodePerDay: 1 });
    await run('quota-1');
    await sandbox.scheduler.sleep(3_600_000);

    // Act
    const result = await run('quota-2');

    // Assess
    expect(result.status).toBe('FAILED');
    const carts = (await records('quota-2')).find((r) => r.arn.endsWith(':carts'));
    expect(carts).toMatchObject({ status: 'FAILED' });
    expect(carts?.error).toMatchObject({
      error: 'QuotaExceededError',
      cause: expect.stringContaining('SnapshotQuotaExceededFault'),
    });
  });

  it("RetentionOverTwoRuns: deletes the first run's expired snapshot, only ours", async () => {
    // Prepare: a snapshot made by hand beside ours.
    await seed();
    sandbox.model.addExistingCacheSnapshot(REGION, {
      SnapshotName: 'hand-made',
      ReplicationGroupId: 'carts',
      startMs: sandbox.scheduler.nowMs() - 30 * DAY,
    });
    await run('first');
    const [first] = sandbox.model.cacheSnapshots(REGION).filter((s) => s.SnapshotName.startsWith('bp-'));

    // Act: eight days later, past the daily tier's seven.
    await sandbox.scheduler.sleep(8 * DAY);
    await run('second');

    // Assess
    const names = sandbox.model.cacheSnapshots(REGION).map((s) => s.SnapshotName);
    expect(names).not.toContain(first?.SnapshotName);
    expect(names).toContain('hand-made');
    expect(names.filter((n) => n.startsWith('bp-'))).toHaveLength(1);
  });

  it('Restore: makes a new replication group from the latest snapshot, tagged with where it came from', async () => {
    // Prepare
    const arn = await seed({}, 'basket');
    await run('to-restore');

    // Act
    const result = await sandbox.restore({ resource: arn, latest: true, name: 'basket-restored' }, 'restore-basket');

    // Assess
    expect(result).toMatchObject({ status: 'SUCCEEDED' });
    const [made] = sandbox.model.restoredCacheGroups(REGION);
    expect(made).toMatchObject({ id: 'basket-restored', status: 'available' });
    expect(made?.tags).toEqual(expect.arrayContaining([{ Key: RESTORE_TAG.restoredFrom, Value: arn }]));
  });

  it('Drill: restores the group, validates it, and deletes it', async () => {
    // Prepare
    const arn = await seed({}, 'wishlist');
    await run('to-drill');

    // Act
    const result = await sandbox.restore({ resource: arn, latest: true, drill: true }, 'drill-wishlist');
    await sandbox.scheduler.sleep(DAY);

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(sandbox.model.restoredCacheGroups(REGION)).toEqual([]);
  });
});
