/**
 * shared/services/redshift/redshift-cluster.ts against the model (local/model/redshift.ts, through the SDK's
 * own client answered action by action): discovery by tag, resolve, a start whose retention matches the
 * tier and that finds an earlier attempt's snapshot, Redshift's refusals as named errors, polling, the
 * copy by the cluster's cross-region snapshot copy (tagged once there), and the store's ownership.
 */
import { AwsModel } from '../../../../local/model';
import { useClock } from '../../../../shared/clock';
import {
  InvalidResourceStateError,
  LimitExceededError,
  QuotaExceededError,
  ResourceNotFoundError,
  ThrottledError,
} from '../../../../shared/errors';
import type { ResourceRef } from '../../../../shared/resource';
import {
  redshiftClusterDriver as driver,
  redshiftSnapshotIdentifier,
  redshiftSnapshotStore,
  retentionDays,
} from '../../../../shared/services/redshift/redshift-cluster';
import { TAG } from '../../../../shared/tags';
import { wireModelToSdk } from '../../../support/model-sdk-mocks';
import { ACCOUNT, ownershipValues, REGION, STACK } from '../../../support/unit-fixtures';

const DR = 'us-west-2';
const DAY = 86_400_000;
const T0 = Date.parse('2026-01-05T02:00:00.000Z');
let nowMs = T0;
const clock = { now: () => new Date(nowMs) };
let model: AwsModel;
let undo: (() => void)[] = [];

beforeEach(() => {
  nowMs = T0;
  model = new AwsModel({ accountId: ACCOUNT, clock, tokenBuckets: false });
  const sdk = wireModelToSdk(model);
  undo = [() => sdk.restore(), useClock(clock)];
});
afterEach(() => {
  for (const u of undo) u();
});

const ref = (id = 'warehouse'): ResourceRef => ({
  arn: `arn:aws:redshift:${REGION}:${ACCOUNT}:cluster:${id}`,
  type: 'redshift-cluster',
  region: REGION,
  accountId: ACCOUNT,
  id,
});
const backupTag = { Key: 'backup', Value: 'true' };
const request = (mayExist: boolean, resource = ref()) => ({
  resource,
  runId: 'run-1',
  mayExist,
  tags: ownershipValues(resource),
});
const ID = redshiftSnapshotIdentifier('run-1', 'warehouse');

describe('redshiftSnapshotIdentifier', () => {
  it('is deterministic per run and cluster, within Redshift rules', () => {
    expect(ID).toMatch(/^bp-run-1-[0-9a-f]{8}-warehouse$/);
    expect(redshiftSnapshotIdentifier('run-2', 'warehouse')).not.toBe(ID);
    expect(redshiftSnapshotIdentifier('Run_1--x', 'dw')).not.toMatch(/--|[A-Z_]/);
  });
});

describe('discover and resolve', () => {
  it('finds only the clusters that carry every wanted tag, by their ARN', async () => {
    model.addRedshiftCluster(REGION, { ClusterIdentifier: 'warehouse', Tags: [backupTag] });
    model.addRedshiftCluster(REGION, { ClusterIdentifier: 'scratch', Tags: [{ Key: 'backup', Value: 'false' }] });
    const found = await driver.discover(REGION, { backup: 'true' }, ACCOUNT);
    expect(found.map((d) => d.ref)).toEqual([ref()]);
    expect(found[0]?.restoreSettings).toMatchObject({ nodeType: 'ra3.xlplus', numberOfNodes: 2 });
  });

  it('refuses a cluster that does not exist with ResourceNotFoundError', async () => {
    await expect(driver.resolve(ref('gone'))).rejects.toBeInstanceOf(ResourceNotFoundError);
  });
});

describe('start', () => {
  beforeEach(() => {
    model.addRedshiftCluster(REGION, { ClusterIdentifier: 'warehouse', Tags: [backupTag] });
  });

  it("takes a manual snapshot whose retention is the days to the tier's expiry, tagged as ours", async () => {
    const started = await driver.start(request(false));
    expect(started).toMatchObject({ backupIds: [ID], reused: false });
    const [snapshot] = model.redshiftSnapshots(REGION);
    // ownershipValues expires 2026-01-12T02:00Z: seven days after T0.
    expect(snapshot).toMatchObject({ SnapshotIdentifier: ID, ManualSnapshotRetentionPeriod: 7, Status: 'creating' });
    expect(snapshot?.Tags).toEqual(expect.arrayContaining([{ Key: TAG.managedBy, Value: STACK }]));
    expect(retentionDays('2026-01-05T03:00:00.000Z', new Date(T0))).toBe(1);
  });

  it('finds the snapshot an earlier attempt started, or one a lost answer made, and never makes a second', async () => {
    await driver.start(request(false));
    await expect(driver.start(request(true))).resolves.toMatchObject({ backupIds: [ID], reused: true });
    await expect(driver.start(request(false))).resolves.toMatchObject({ backupIds: [ID], reused: true });
    expect(model.redshiftSnapshots(REGION)).toHaveLength(1);
  });

  it('retries a cluster that is modifying (LimitExceededError) and records a paused one', async () => {
    model.addRedshiftCluster(REGION, { ClusterIdentifier: 'busy', status: 'modifying', statusUntilMs: T0 + DAY });
    model.addRedshiftCluster(REGION, { ClusterIdentifier: 'asleep', status: 'paused' });
    await expect(driver.start(request(false, ref('busy')))).rejects.toBeInstanceOf(LimitExceededError);
    await expect(driver.start(request(false, ref('asleep')))).rejects.toBeInstanceOf(InvalidResourceStateError);
  });

  it('maps the manual snapshots quota to QuotaExceededError and throttling to ThrottledError', async () => {
    model.limits.manualClusterSnapshotsPerRegion = 0;
    await expect(driver.start(request(false))).rejects.toBeInstanceOf(QuotaExceededError);
    model.limits.manualClusterSnapshotsPerRegion = 20;
    model.faults.throttleRate = 1;
    await expect(driver.start(request(false))).rejects.toBeInstanceOf(ThrottledError);
  });
});

describe('check', () => {
  it('reports the progress Redshift estimates, then COMPLETED', async () => {
    model.addRedshiftCluster(REGION, { ClusterIdentifier: 'warehouse', snapshotSeconds: 1000 });
    await driver.start(request(false));
    nowMs += 400_000;
    const during = await driver.check(ref(), [ID]);
    expect(during.status).toBe('CREATING');
    expect(during.status === 'CREATING' && during.progress).toBeGreaterThan(20);
    nowMs += DAY;
    await expect(driver.check(ref(), [ID])).resolves.toEqual({ status: 'COMPLETED', progress: 100 });
    await expect(driver.check(ref(), ['bp-none'])).resolves.toMatchObject({ status: 'FAILED' });
  });
});

describe('copies to the DR region', () => {
  const copyRequest = (region = DR) => ({
    resource: ref(),
    backupIds: [ID],
    region,
    kmsKeyId: undefined,
    tags: ownershipValues(ref()),
    runId: 'run-1',
  });

  it('says why a cluster without cross-region snapshot copy, or copying elsewhere, is not copied', async () => {
    model.addRedshiftCluster(REGION, { ClusterIdentifier: 'warehouse' });
    await driver.start(request(false));
    await expect(driver.copy?.(ref(), copyRequest())).resolves.toMatchObject({
      notCopied: expect.stringMatching(/no cross-region snapshot copy.*EnableSnapshotCopy/),
    });
    model.enableSnapshotCopy(REGION, { ClusterIdentifier: 'warehouse', DestinationRegion: 'eu-central-1' });
    await expect(driver.copy?.(ref(), copyRequest())).resolves.toMatchObject({
      notCopied: expect.stringMatching(/copies its snapshots to eu-central-1/),
    });
  });

  it("tracks Redshift's copy of a KMS-encrypted cluster's snapshot under its grant, and tags it as ours there", async () => {
    const key = model.addKmsKey(REGION, { alias: 'dw' });
    const drKey = model.addKmsKey(DR, { alias: 'dw-dr' });
    model.addRedshiftCluster(REGION, { ClusterIdentifier: 'warehouse', KmsKeyId: key.Arn, snapshotSeconds: 600 });
    // Redshift refuses the copy configuration of a KMS-encrypted cluster without a grant in the destination.
    expect(() => model.enableSnapshotCopy(REGION, { ClusterIdentifier: 'warehouse', DestinationRegion: DR })).toThrow(
      /snapshot copy grant/,
    );
    model.createSnapshotCopyGrant(DR, { SnapshotCopyGrantName: 'dw-dr', KmsKeyId: drKey.Arn });
    model.enableSnapshotCopy(REGION, {
      ClusterIdentifier: 'warehouse',
      DestinationRegion: DR,
      SnapshotCopyGrantName: 'dw-dr',
    });
    await driver.start(request(false));
    const started = await driver.copy?.(ref(), copyRequest());
    expect(started).toEqual({ copyIds: [ID], reused: false });
    // Not there until the original is available.
    await expect(driver.checkCopy?.(ref(), DR, [ID])).resolves.toMatchObject({ status: 'CREATING' });
    nowMs += DAY;
    await expect(driver.checkCopy?.(ref(), DR, [ID])).resolves.toEqual({ status: 'COMPLETED', progress: 100 });
    const [copy] = model.redshiftSnapshots(DR);
    expect(copy).toMatchObject({ SourceRegion: REGION, KmsKeyId: drKey.Arn });
    expect(copy?.Tags).toEqual(
      expect.arrayContaining([
        { Key: TAG.managedBy, Value: STACK },
        { Key: TAG.sourceRegion, Value: REGION },
      ]),
    );
    const owned = await redshiftSnapshotStore.listOwned(DR, STACK);
    expect(owned.map((b) => b.id)).toEqual([ID]);
  });
});

describe('the snapshot store', () => {
  it("lists and deletes this stack's snapshots only, never a foreign or hand-made one", async () => {
    model.addRedshiftCluster(REGION, { ClusterIdentifier: 'warehouse' });
    await driver.start(request(false));
    nowMs += DAY;
    model.addExistingClusterSnapshot(REGION, {
      SnapshotIdentifier: 'bp-hand-made',
      ClusterIdentifier: 'warehouse',
      startMs: T0,
      Tags: [{ Key: TAG.managedBy, Value: 'Other' }],
    });
    model.addExistingClusterSnapshot(REGION, {
      SnapshotIdentifier: 'nightly',
      ClusterIdentifier: 'warehouse',
      startMs: T0,
    });
    const owned = await redshiftSnapshotStore.listOwned(REGION, STACK);
    expect(owned).toEqual([expect.objectContaining({ id: ID, complete: true, tier: 'daily', runId: 'run-1' })]);
    await redshiftSnapshotStore.delete(owned[0] as (typeof owned)[number]);
    expect(model.redshiftSnapshots(REGION).map((s) => s.SnapshotIdentifier)).toEqual(['bp-hand-made', 'nightly']);
  });
});
