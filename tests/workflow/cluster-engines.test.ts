/**
 * DocumentDB and Neptune clusters (issue #22 item 4) through the real backup and restore workflows, one
 * table over both types: RDS clusters of engine `docdb` / `neptune` beside an Aurora cluster, each kept
 * by its own type (never backed up as Aurora's, nor Aurora as theirs), copied to the DR region under its
 * key, throttled without failing, refused at Plan by the shared cluster-snapshot quota, kept and deleted
 * by retention over two runs, restored to a new cluster with a writer, and drilled with clean-up. In
 * process (the model behind the SDK clients), the smallest fleet that shows each property, virtual time.
 */

import { backupsTable } from '../../cli/commands/backups';
import { resourceTable } from '../../cli/commands/run-views';
import { renderReport } from '../../cli/report/render-report';
import { BACKUP_TAG, DR_KEY_ALIAS, DR_REGION, seedDrKey } from '../../local/estates/fleet';
import { HANDLERS, type LocalHandler } from '../../local/handlers';
import { drillInput, drillsSchema } from '../../shared/config';
import { dynamoDocClient } from '../../shared/lambda/clients';
import { RESTORE_TAG } from '../../shared/services/restore';
import { RestoreStore } from '../../shared/state/restore-store';
import { TAG } from '../../shared/tags';
import { openSandbox, REGION, type Sandbox, TABLE } from '../support/workflow-sandbox';

jest.setTimeout(60_000);

const DAY = 86_400_000;
let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await openSandbox();
});
afterAll(async () => {
  await sandbox.close();
});
const restores = () => new RestoreStore(dynamoDocClient(), TABLE);
const tagged = (name: string) => [{ Key: 'Name', Value: name }, BACKUP_TAG];

describe.each([
  { type: 'docdb-cluster', engine: 'docdb', writerClass: 'db.r6g.large' },
  { type: 'neptune-cluster', engine: 'neptune', writerClass: 'db.r6g.large' },
] as const)('$type', ({ type, engine, writerClass }) => {
  /**
   * An Aurora cluster and one cluster of the engine, both tagged, one member each; named per scenario
   * (`scenario`): the state table outlives resets, and a restore of the latest point must find this one's.
   */
  let id = '';
  function seedPair(scenario: string) {
    id = `${engine}-${scenario}`;
    sandbox.model.addDbCluster(REGION, {
      DBClusterIdentifier: `ledger-${engine}-${scenario}`,
      members: 1,
      TagList: tagged('ledger'),
    });
    sandbox.model.addDbCluster(REGION, {
      DBClusterIdentifier: id,
      Engine: engine,
      members: 1,
      volumeGiB: 50,
      TagList: tagged(id),
    });
  }
  const snapshotsOf = (region: string, cluster: string) =>
    sandbox.model.dbClusterSnapshots(region).filter((s) => s.DBClusterIdentifier === cluster);

  it('HappyPathWithCopies: backs it up as its own type, beside Aurora, and copies it to the DR region under its key', async () => {
    // Prepare
    await sandbox.reset({ config: { notifyOnSuccess: true } });
    const drKey = seedDrKey(sandbox.model);
    seedPair('happy');
    const runId = `${engine}-happy`;

    // Act
    const result = await sandbox.run({ tier: 'daily', copyTo: [{ region: DR_REGION, kmsKeyId: DR_KEY_ALIAS }] }, runId);

    // Assess: two records, each of its engine's type, COMPLETED with its copy; the copy under the DR key
    expect(result.status).toBe('SUCCEEDED');
    const records = await sandbox.store.listResources(runId);
    expect(records.map((r) => [r.resourceId, r.type, r.status]).sort()).toEqual(
      [
        [`ledger-${id}`, 'aurora-cluster', 'COMPLETED'],
        [id, type, 'COMPLETED'],
      ].sort(),
    );
    const mine = records.find((r) => r.type === type);
    expect(mine?.copies).toEqual([expect.objectContaining({ region: DR_REGION, status: 'COMPLETED' })]);
    const [copy] = snapshotsOf(DR_REGION, id);
    expect(copy).toMatchObject({ Engine: engine, Status: 'available', StorageEncrypted: true, KmsKeyId: drKey.Arn });
    // The restore point `backups` lists, and the notification names it.
    const [point] = await sandbox.points.list(mine?.arn ?? '');
    expect(point).toMatchObject({ runId, type, backupIds: mine?.backupIds });
    const message = sandbox.model.sns.at(-1)?.Message ?? '';
    expect(message).toContain(mine?.arn);
    // What `status` and `backups` print, and the run report, show it with its type and backups.
    const backupId = mine?.backupIds?.[0] ?? '';
    expect(resourceTable(records)).toMatch(new RegExp(`${id}\\s+${type}\\s+${REGION}\\s+COMPLETED`));
    expect(backupsTable(point ? [point] : [], new Date())).toContain(backupId);
    const run = await sandbox.store.getRun(runId);
    const page = run ? renderReport({ run, resources: records, generatedAt: new Date() }) : '';
    expect(page).toContain(type);
    expect(page).toContain(backupId);
  });

  it('HappyPathByArn: an explicit ARN (the same form as Aurora’s) is backed up as its engine’s type', async () => {
    // Prepare
    await sandbox.reset();
    seedPair('arn');
    const arn = sandbox.model.dbClusterArn(REGION, id);

    // Act
    const result = await sandbox.run({ tier: 'daily', targets: { resources: [arn] } }, `${engine}-by-arn`);

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect((await sandbox.store.listResources(`${engine}-by-arn`)).map((r) => [r.arn, r.type, r.status])).toEqual([
      [arn, type, 'COMPLETED'],
    ]);
  });

  it('RetryOnThrottle: throttled starts and checks are retried until the snapshot completes, never FAILED', async () => {
    // Prepare: after Plan, 60% of AWS calls are throttled until the Map is done
    await sandbox.reset();
    seedPair('throttled');
    const throttle =
      (rate: number, name: 'plan-run' | 'summarize-run'): LocalHandler =>
      async (event, context) => {
        if (name === 'summarize-run') sandbox.model.faults.throttleRate = rate;
        const out = await HANDLERS[name](event, context);
        if (name === 'plan-run') sandbox.model.faults.throttleRate = rate;
        return out;
      };

    // Act
    const result = await sandbox.run({ tier: 'daily' }, `${engine}-throttled`, {
      handlers: { ...HANDLERS, 'plan-run': throttle(0.6, 'plan-run'), 'summarize-run': throttle(0, 'summarize-run') },
    });

    // Assess
    expect(result.stats.retries).toBeGreaterThan(0);
    const records = await sandbox.store.listResources(`${engine}-throttled`);
    expect(records.map((r) => [r.type, r.status, r.error]).sort()).toEqual(
      [
        ['aurora-cluster', 'COMPLETED', undefined],
        [type, 'COMPLETED', undefined],
      ].sort(),
    );
    expect(snapshotsOf(REGION, id)).toHaveLength(1);
  });

  it('QuotaRefusal: Plan refuses it when the region’s manual cluster snapshots (all engines together) are used up', async () => {
    // Prepare: room for 1 manual cluster snapshot, used by an Aurora snapshot someone made by hand
    await sandbox.reset({ model: { limits: { manualDbClusterSnapshotsPerRegion: 1 } } });
    seedPair('quota');
    sandbox.model.addExistingDbClusterSnapshot(REGION, {
      DBClusterSnapshotIdentifier: 'by-hand',
      DBClusterIdentifier: `ledger-${id}`,
      startMs: 0,
    });

    // Act
    const result = await sandbox.run({ tier: 'daily' }, `${engine}-quota`);

    // Assess: both refused before any create (Aurora's counts against the same quota), named and notified
    expect(result.status).toBe('FAILED');
    const refused = (await sandbox.store.listResources(`${engine}-quota`)).find((r) => r.type === type);
    expect(refused).toMatchObject({ status: 'FAILED', error: { error: 'QuotaExceededError' } });
    expect(refused?.error?.cause).toMatch(/^quota: 1 of 1 manual DB cluster snapshots used in eu-west-1/);
    expect(snapshotsOf(REGION, id)).toEqual([]);
    expect(sandbox.model.calls.get('rds:CreateDBClusterSnapshot')).toBeUndefined();
    expect(sandbox.model.sns.at(-1)?.Message).toContain(`${refused?.arn} [${type}]`);
  });

  it('RetentionOverTwoRuns: deletes its expired snapshot of the first run, never the second’s nor one it did not make', async () => {
    // Prepare: daily backups kept 1 day, keep-last 1; a hand-made snapshot of the same cluster
    await sandbox.reset({ config: { tiers: { daily: { retentionDays: 1, keepLast: 1 } }, defaultTier: 'daily' } });
    seedPair('retention');
    sandbox.model.addExistingDbClusterSnapshot(REGION, {
      DBClusterSnapshotIdentifier: 'operator-copy',
      DBClusterIdentifier: id,
      Engine: engine,
      startMs: 0,
    });

    // Act
    expect((await sandbox.run({ tier: 'daily' }, `${engine}-ret-1`)).status).toBe('SUCCEEDED');
    const first = snapshotsOf(REGION, id).map((s) => s.DBClusterSnapshotIdentifier);
    await sandbox.scheduler.sleep(2 * DAY);
    expect((await sandbox.run({ tier: 'daily' }, `${engine}-ret-2`)).status).toBe('SUCCEEDED');

    // Assess: the first run's snapshot went; the second's and the operator's stay
    const left = snapshotsOf(REGION, id);
    expect(first).toHaveLength(2);
    expect(left.map((s) => s.DBClusterSnapshotIdentifier)).toContain('operator-copy');
    expect(left).toHaveLength(2);
    expect(left.find((s) => s.DBClusterSnapshotIdentifier !== 'operator-copy')?.TagList).toContainEqual({
      Key: TAG.runId,
      Value: `${engine}-ret-2`,
    });
  });

  it('RestoreAndDrill: restores a new cluster of its engine with a writer of its class, and a drill cleans up', async () => {
    // Prepare: backed up in a tier of its own, so the drill chooses among this scenario's backups only
    const tier = `drill-${engine}`;
    await sandbox.reset({
      config: {
        tiers: {
          daily: { schedule: 'cron(0 2 * * ? *)', retentionDays: 7, keepLast: 2 },
          [tier]: { schedule: 'cron(0 3 * * ? *)', retentionDays: 7, keepLast: 2 },
        },
      },
    });
    seedPair('restore');
    expect((await sandbox.run({ tier }, `${engine}-for-restore`)).status).toBe('SUCCEEDED');
    const arn = sandbox.model.dbClusterArn(REGION, id);

    // Act: a restore, then a scheduled drill of the tier (one resource per type)
    const restored = await sandbox.restore({ resource: arn, latest: true }, `${engine}-restore`);
    const drill = await sandbox.restore(drillInput(drillsSchema.parse({ tier }), 'daily'), `${engine}-drill`);

    // Assess: the restore left a cluster of its engine and its writer
    const record = await restores().get(`${engine}-restore`);
    expect([restored.status, restored.cause, record?.error]).toEqual(['SUCCEEDED', undefined, undefined]);
    expect(record).toMatchObject({ status: 'AVAILABLE', type });
    const [clusterId, writerId] = record?.restoredIds ?? [];
    const cluster = sandbox.model.describeDBClusters(REGION, { DBClusterIdentifier: clusterId }).DBClusters?.[0];
    expect(cluster).toMatchObject({ Engine: engine, Status: 'available' });
    const writer = sandbox.model.describeDBInstances(REGION, { DBInstanceIdentifier: writerId }).DBInstances?.[0];
    expect(writer).toMatchObject({ Engine: engine, DBInstanceClass: writerClass, DBClusterIdentifier: clusterId });
    // The drill restored it and Aurora's cluster, each by its own type, and deleted both
    const drilled = await Promise.all([1, 2].map((n) => restores().get(`${engine}-drill-${n}`)));
    expect([drill.status, drill.cause, drilled.map((r) => r?.error)]).toEqual([
      'SUCCEEDED',
      undefined,
      [undefined, undefined],
    ]);
    expect(drilled.map((r) => r?.type).sort()).toEqual(['aurora-cluster', type].sort());
    for (const r of drilled)
      expect(r).toMatchObject({ drill: true, status: 'AVAILABLE', cleanup: { status: 'DELETED' } });
    await sandbox.scheduler.sleep(DAY);
    const drilledIds = drilled.flatMap((r) => r?.restoredIds ?? []);
    const left = (sandbox.model.describeDBClusters(REGION, {}).DBClusters ?? []).filter(
      (c) =>
        (c.TagList ?? []).some((t) => t.Key === RESTORE_TAG.restoredBy) &&
        drilledIds.includes(c.DBClusterIdentifier ?? ''),
    );
    expect(left).toEqual([]);
  });
});
