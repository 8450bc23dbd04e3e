/**
 * shared/services/redshift/redshift-cluster-restore.ts against the model: a new cluster from a snapshot with
 * the recorded node type and count, tagged right after (RestoreFromClusterSnapshot takes no tags), a name
 * in use refused unless it is this restore's own, a drill's clean-up that deletes only what it restored.
 */
import { AwsModel } from '../../../../local/model';
import { useClock } from '../../../../shared/clock';
import { InvalidResourceStateError, NameInUseError, ResourceNotFoundError } from '../../../../shared/errors';
import { redshiftClusterRestore as driver } from '../../../../shared/services/redshift/redshift-cluster-restore';
import { RESTORE_TAG } from '../../../../shared/tags';
import { wireModelToSdk } from '../../../support/model-sdk-mocks';
import { ACCOUNT, REGION, STACK } from '../../../support/unit-fixtures';

const DAY = 86_400_000;
const T0 = Date.parse('2026-01-05T02:00:00.000Z');
let nowMs = T0;
const clock = { now: () => new Date(nowMs) };
let model: AwsModel;
let undo: (() => void)[] = [];
const OWNER = `${STACK}@${REGION}`;

beforeEach(() => {
  nowMs = T0;
  model = new AwsModel({ accountId: ACCOUNT, clock, tokenBuckets: false });
  const sdk = wireModelToSdk(model);
  undo = [() => sdk.restore(), useClock(clock)];
  model.addRedshiftCluster(REGION, { ClusterIdentifier: 'warehouse', NodeType: 'ra3.4xlarge', NumberOfNodes: 4 });
  model.addExistingClusterSnapshot(REGION, {
    SnapshotIdentifier: 'bp-run-1-warehouse',
    ClusterIdentifier: 'warehouse',
    NodeType: 'ra3.4xlarge',
    NumberOfNodes: 4,
    startMs: T0 - DAY,
  });
});
afterEach(() => {
  for (const u of undo) u();
});

const request = (name: string, restoreId = 'drill-1', extra: Record<string, unknown> = {}) => ({
  restoreId,
  region: REGION,
  sourceRegion: REGION,
  backupIds: ['bp-run-1-warehouse'],
  name,
  settings: { nodeType: 'ra3.4xlarge', numberOfNodes: 4, vpcSecurityGroupIds: ['sg-1'] },
  tags: {
    restoredBy: OWNER,
    restoreId,
    sourceArn: `arn:aws:redshift:${REGION}:${ACCOUNT}:cluster:warehouse`,
    backupId: 'bp-run-1-warehouse',
    drill: true,
  },
  ...extra,
});

describe('Redshift cluster restore', () => {
  it('refuses identifiers Redshift refuses', () => {
    expect(driver.nameProblem('Warehouse_1')).toMatch(/lower-case.*/);
    expect(driver.nameProblem('warehouse-restored')).toBeUndefined();
  });

  it('restores a new cluster with the recorded nodes, tagged, creating then available', async () => {
    const started = await driver.start(request('warehouse-drill'));
    expect(started).toEqual({ restoredIds: ['warehouse-drill'], reused: false });
    const cluster = model.redshiftClusters(REGION).find((c) => c.ClusterIdentifier === 'warehouse-drill');
    expect(cluster).toMatchObject({ NodeType: 'ra3.4xlarge', NumberOfNodes: 4, PubliclyAccessible: false });
    expect(cluster?.Tags).toEqual(expect.arrayContaining([{ Key: RESTORE_TAG.restoreId, Value: 'drill-1' }]));
    await expect(driver.check(REGION, ['warehouse-drill'])).resolves.toMatchObject({ status: 'RESTORING' });
    nowMs += DAY;
    await expect(driver.check(REGION, ['warehouse-drill'])).resolves.toMatchObject({
      status: 'AVAILABLE',
      shape: { nodeType: 'ra3.4xlarge', numberOfNodes: 4 },
    });
  });

  it('adopts its own cluster on a retry and refuses a name another cluster holds, touching nothing', async () => {
    await driver.start(request('warehouse-drill'));
    await expect(driver.start(request('warehouse-drill'))).resolves.toMatchObject({ reused: true });
    await expect(driver.start(request('warehouse', 'other'))).rejects.toBeInstanceOf(NameInUseError);
    expect(model.redshiftClusters(REGION)).toHaveLength(2);
  });

  it('refuses a cluster subnet group the region lacks (a DR restore names its own)', async () => {
    const placed = request('warehouse-dr', 'drill-2', { placement: { clusterSubnetGroupName: 'isolated' } });
    await expect(driver.start(placed)).rejects.toBeInstanceOf(ResourceNotFoundError);
    model.addClusterSubnetGroup(REGION, 'isolated');
    await expect(driver.start(placed)).resolves.toMatchObject({ reused: false });
  });

  it('deletes only the cluster this restore made, once it is no longer creating', async () => {
    await driver.start(request('warehouse-drill'));
    const context = { tags: request('x').tags, settings: {}, backupIds: [], startedAt: new Date(T0).toISOString() };
    await expect(driver.remove(REGION, ['warehouse-drill'], OWNER, context)).resolves.toBe('deleting');
    expect(model.redshiftClusters(REGION).find((c) => c.ClusterIdentifier === 'warehouse-drill')?.ClusterStatus).toBe(
      'creating',
    );
    nowMs += DAY;
    await expect(driver.remove(REGION, ['warehouse-drill'], OWNER, context)).resolves.toBe('deleting');
    nowMs += DAY;
    await expect(driver.remove(REGION, ['warehouse-drill'], OWNER, context)).resolves.toBe('gone');
    await expect(driver.remove(REGION, ['warehouse'], OWNER, context)).rejects.toBeInstanceOf(
      InvalidResourceStateError,
    );
    expect(model.redshiftClusters(REGION).map((c) => c.ClusterIdentifier)).toEqual(['warehouse']);
  });
});
