/**
 * Redshift provisioned clusters through the real ASL and handlers, AWS answered by the in-memory model, in
 * virtual time, at the smallest fleet that shows each property (issue #22 item 3): a run whose snapshot
 * Redshift copies to the DR region under a snapshot copy grant (tracked and tagged there), a throttled run,
 * a refusal by the manual snapshots quota, retention over two runs, a restore and a drill.
 */
import { BACKUP_TAG, DR_REGION } from '../../local/estates/fleet';
import { HANDLERS, type LocalHandler } from '../../local/handlers';
import type { FunctionName } from '../../shared/lambda/function-env';
import { RESTORE_TAG, TAG } from '../../shared/tags';
import { openSandbox, REGION, type Sandbox } from '../support/workflow-sandbox';

jest.setTimeout(60_000);

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await openSandbox();
});
afterAll(async () => {
  await sandbox.close();
});

/** A KMS-encrypted cluster that copies its snapshots to the DR region under a grant, as docs/backups.md sets it up. */
async function warehouse(options: { copy?: boolean; snapshotSeconds?: number; id?: string } = {}) {
  const id = options.id ?? 'warehouse';
  await sandbox.reset();
  const { model } = sandbox;
  const key = model.addKmsKey(REGION, { alias: 'warehouse' });
  model.addRedshiftCluster(REGION, {
    ClusterIdentifier: id,
    KmsKeyId: key.Arn,
    snapshotSeconds: options.snapshotSeconds ?? 1800,
    Tags: [{ Key: 'Name', Value: id }, BACKUP_TAG],
  });
  if (options.copy !== false) {
    const drKey = model.addKmsKey(DR_REGION, { alias: 'warehouse-dr' });
    model.createSnapshotCopyGrant(DR_REGION, { SnapshotCopyGrantName: 'warehouse-dr', KmsKeyId: drKey.Arn });
    model.enableSnapshotCopy(REGION, {
      ClusterIdentifier: id,
      DestinationRegion: DR_REGION,
      ManualSnapshotRetentionPeriod: -1,
      SnapshotCopyGrantName: 'warehouse-dr',
    });
  }
  return model.redshiftClusterArn(REGION, id);
}

describe('RedshiftHappyRunWithCopies', () => {
  it("snapshots the cluster with the tier's retention, and tracks and tags Redshift's copy in the DR region", async () => {
    const arn = await warehouse();

    const run = await sandbox.run({ tier: 'daily', copyTo: [{ region: DR_REGION }] }, 'rs-happy');

    expect(run.status).toBe('SUCCEEDED');
    const record = await sandbox.store.getResource('rs-happy', arn);
    expect(record).toMatchObject({ status: 'COMPLETED', type: 'redshift-cluster' });
    expect(record?.copies).toEqual([expect.objectContaining({ region: DR_REGION, status: 'COMPLETED' })]);
    const [snapshot] = sandbox.model.redshiftSnapshots(REGION);
    expect(snapshot).toMatchObject({ Status: 'available', ManualSnapshotRetentionPeriod: 7 });
    const [copy] = sandbox.model.redshiftSnapshots(DR_REGION);
    expect(copy).toMatchObject({ SnapshotIdentifier: snapshot?.SnapshotIdentifier, SourceRegion: REGION });
    expect(copy?.Tags).toEqual(expect.arrayContaining([{ Key: TAG.runId, Value: 'rs-happy' }]));
    // The restore point `backups` lists (and a DR restore reads) carries its copy.
    const [point] = await sandbox.points.list(arn);
    expect(point?.copies).toEqual([expect.objectContaining({ region: DR_REGION })]);
  });

  it('records the copy as not copied, with the reason, when the cluster has no cross-region snapshot copy', async () => {
    const arn = await warehouse({ copy: false });

    await sandbox.run({ tier: 'daily', copyTo: [{ region: DR_REGION }] }, 'rs-no-copy');

    const record = await sandbox.store.getResource('rs-no-copy', arn);
    expect(record?.status).toBe('COMPLETED');
    expect(record?.copies?.[0]).toMatchObject({ status: 'SKIPPED' });
    expect(JSON.stringify(record?.copies)).toMatch(/no cross-region snapshot copy/);
  });
});

describe('RedshiftThrottledRun', () => {
  it('backs throttled calls off until they pass: the cluster is backed up once, nothing fails', async () => {
    const arn = await warehouse({ copy: false });
    // Half of all calls throttled from Plan's end until the summary: the SDK's and the ASL's retries absorb them.
    const throttled = (name: FunctionName): LocalHandler => {
      const handler = HANDLERS[name];
      return async (event, context) => {
        if (name === 'summarize-run') sandbox.model.faults.throttleRate = 0;
        const result = await handler(event, context);
        if (name === 'plan-run') sandbox.model.faults.throttleRate = 0.5;
        return result;
      };
    };
    const handlers = { ...HANDLERS, 'plan-run': throttled('plan-run'), 'summarize-run': throttled('summarize-run') };

    const run = await sandbox.run({ tier: 'daily' }, 'rs-throttled', { handlers });

    expect(run.status).toBe('SUCCEEDED');
    // The SDK's own retries (maxAttempts) took most; the ASL's Retry on ThrottledError the rest.
    expect(run.stats.retries).toBeGreaterThan(0);
    expect(await sandbox.store.getResource('rs-throttled', arn)).toMatchObject({ status: 'COMPLETED' });
    expect(sandbox.model.redshiftSnapshots(REGION)).toHaveLength(1);
    expect(sandbox.model.calls.get('redshift:CreateClusterSnapshot')).toBeGreaterThanOrEqual(1);
  });
});

describe('RedshiftQuotaRefusal', () => {
  it('records QuotaExceededError when the manual snapshots quota is full, and creates nothing', async () => {
    const arn = await warehouse({ copy: false });
    sandbox.model.limits.manualClusterSnapshotsPerRegion = 0;

    const run = await sandbox.run({ tier: 'daily' }, 'rs-quota');

    expect(run.status).toBe('FAILED');
    const record = await sandbox.store.getResource('rs-quota', arn);
    expect(record).toMatchObject({ status: 'FAILED' });
    expect(record?.error).toMatchObject({
      error: 'QuotaExceededError',
      cause: expect.stringMatching(/ClusterSnapshotQuotaExceeded/),
    });
    expect(sandbox.model.redshiftSnapshots(REGION)).toEqual([]);
    // The notification names it, its type and the refusal, with the runbook's step for the quota.
    const [message] = sandbox.model.sns;
    expect(message?.Message).toContain(`${arn} [redshift-cluster] during start: QuotaExceededError`);
    expect(message?.Message).toMatch(/Redshift's manual snapshots quota/);
  });
});

describe('RedshiftRetentionOverTwoRuns', () => {
  it("deletes the first run's expired snapshot at the second run, before Redshift's own retention would", async () => {
    await warehouse({ copy: false, snapshotSeconds: 6 * 3600 });
    await sandbox.run({ tier: 'daily' }, 'rs-first');
    const [first] = sandbox.model.redshiftSnapshots(REGION);

    // Past the first's expires-at (7 days from its run) but before Redshift's 7 days from its completion.
    await sandbox.scheduler.sleep(7 * DAY - 3 * HOUR);
    const second = await sandbox.run({ tier: 'daily' }, 'rs-second');

    expect(second.status).toBe('SUCCEEDED');
    const left = sandbox.model.redshiftSnapshots(REGION);
    expect(left.map((s) => s.Tags.find((t) => t.Key === TAG.runId)?.Value)).toEqual(['rs-second']);
    expect(left.map((s) => s.SnapshotIdentifier)).not.toContain(first?.SnapshotIdentifier);
    expect(sandbox.model.calls.get('redshift:DeleteClusterSnapshot')).toBe(1);
  });
});

describe('RedshiftRestoreAndDrill', () => {
  it('restores a new cluster from the latest snapshot, and a drill restores, validates and deletes its own', async () => {
    // Its own cluster: the state table outlives each reset, and an earlier scenario's points name 'warehouse'.
    const arn = await warehouse({ copy: false, id: 'depot' });
    await sandbox.run({ tier: 'daily' }, 'rs-restore-run');

    const restored = await sandbox.restore({ resource: arn, latest: true, name: 'depot-restored' }, 'rs-restore');
    const drill = await sandbox.restore({ resource: arn, latest: true, drill: true }, 'rs-drill');

    expect([restored.status, restored.error, restored.cause]).toEqual(['SUCCEEDED', undefined, undefined]);
    expect(drill.status).toBe('SUCCEEDED');
    const clusters = sandbox.model.redshiftClusters(REGION);
    const kept = clusters.find((c) => c.ClusterIdentifier === 'depot-restored');
    expect(kept).toMatchObject({ ClusterStatus: 'available', NodeType: 'ra3.xlplus', NumberOfNodes: 2 });
    expect(kept?.Tags).toEqual(expect.arrayContaining([{ Key: RESTORE_TAG.restoreId, Value: 'rs-restore' }]));
    // The drill's cluster is gone (or going): only the source and the operator's restore remain.
    expect(
      clusters
        .filter((c) => c.ClusterStatus !== 'deleting')
        .map((c) => c.ClusterIdentifier)
        .sort(),
    ).toEqual(['depot', 'depot-restored']);
    expect(sandbox.model.calls.get('redshift:DeleteCluster')).toBe(1);
  });
});
