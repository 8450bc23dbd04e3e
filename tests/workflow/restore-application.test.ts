/**
 * An application restored by tag, in waves (issue #19 item 12, the region-loss game day):
 * statemachines/restore.asl.json with the real handlers and drivers, AWS answered by the in-memory model,
 * state in dynalite, time virtual. The estate is backed up (and copied to the DR region) by the backup
 * workflow, which records each source's own tags with its restore points; the restore finds the
 * application's resources by those tags, restores the databases first and the instances after, and its
 * records give the recovery time and the recovery point.
 */
import { applicationSummary } from '../../cli/commands/application-summary';
import { BACKUP_TAG, DR_KEY_ALIAS, DR_REGION, seedDrKey } from '../../local/estates/fleet';
import { dynamoDocClient } from '../../shared/lambda/clients';
import type { RestoreRecord } from '../../shared/state/records';
import { RestoreStore } from '../../shared/state/restore-store';
import { openSandbox, REGION, type Sandbox, TABLE } from '../support/workflow-sandbox';

jest.setTimeout(90_000);

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await openSandbox();
});
afterAll(async () => {
  await sandbox.close();
});

const ORDERS = { Key: 'app', Value: 'orders' };
const tagged = (name: string, app?: { Key: string; Value: string }) => [
  { Key: 'Name', Value: name },
  BACKUP_TAG,
  ...(app ? [app] : []),
];
const restores = () => new RestoreStore(dynamoDocClient(), TABLE);

/** The orders application (a database, a cluster, a table, an instance, a volume) beside others, backed up and copied. */
async function backedUpApplication(runId: string) {
  await sandbox.reset();
  seedDrKey(sandbox.model);
  const m = sandbox.model;
  m.addDbInstance(REGION, { DBInstanceIdentifier: 'orders', AllocatedStorage: 100, TagList: tagged('orders', ORDERS) });
  m.addDbCluster(REGION, { DBClusterIdentifier: 'ledger', TagList: tagged('ledger', ORDERS) });
  m.addDynamoTable(REGION, { TableName: 'carts', Tags: tagged('carts', ORDERS) });
  const web = m.addInstance(REGION, { Tags: tagged('web', ORDERS), volumes: [{ Size: 20 }] });
  const data = m.addVolume(REGION, { Size: 50, VolumeType: 'gp3', Tags: tagged('data', ORDERS) });
  // Not the application's: another application's database, an instance with no app tag.
  m.addDbInstance(REGION, {
    DBInstanceIdentifier: 'billing',
    TagList: tagged('billing', { Key: 'app', Value: 'billing' }),
  });
  m.addInstance(REGION, { Tags: tagged('batch'), volumes: [{ Size: 10 }] });
  const run = await sandbox.run({ tier: 'daily', copyTo: [{ region: DR_REGION, kmsKeyId: DR_KEY_ALIAS }] }, runId);
  expect(run.status).toBe('SUCCEEDED');
  const records = await sandbox.store.listResources(runId);
  const arnOf = (id: string) => records.find((r) => r.resourceId === id)?.arn ?? `missing ${id}`;
  return {
    databases: [arnOf('orders'), arnOf('ledger'), arnOf('carts')],
    instances: [arnOf(web.InstanceId), arnOf(data.VolumeId)],
  };
}

async function recordsOf(name: string, count: number): Promise<RestoreRecord[]> {
  const found = await Promise.all(Array.from({ length: count }, (_, i) => restores().get(`${name}-${i + 1}`)));
  return found.filter((r): r is RestoreRecord => r !== undefined);
}

describe('RestoreApplicationInWaves', () => {
  it('restores every resource tagged app=orders, the databases all ended before any instance restore started, and times it', async () => {
    // Prepare
    const arns = await backedUpApplication('app-estate');

    // Act
    const result = await sandbox.restore({ application: { tags: { app: 'orders' } } }, 'app-orders');

    // Assess: every one of the application's resources, none of the others.
    expect(result.status).toBe('SUCCEEDED');
    const records = await recordsOf('app-orders', 6);
    expect(records.map((r) => r.arn).sort()).toEqual([...arns.databases, ...arns.instances].sort());
    expect(records.every((r) => r.status === 'AVAILABLE' && r.drill === false && r.region === REGION)).toBe(true);
    const wave = (n: number) => records.filter((r) => r.wave === n);
    expect(
      wave(1)
        .map((r) => r.arn)
        .sort(),
    ).toEqual([...arns.databases].sort());
    expect(
      wave(2)
        .map((r) => r.arn)
        .sort(),
    ).toEqual([...arns.instances].sort());
    // The second wave started only once every restore of the first had ended (recorded).
    const lastDatabaseEnded = Math.max(...wave(1).map((r) => Date.parse(r.finishedAt ?? '')));
    const firstInstanceStarted = Math.min(...wave(2).map((r) => Date.parse(r.startCalledAt ?? '')));
    expect(firstInstanceStarted).toBeGreaterThanOrEqual(lastDatabaseEnded);
    expect(Math.max(...wave(1).map((r) => Date.parse(r.startCalledAt ?? '')))).toBeLessThan(firstInstanceStarted);
    // Nothing is deleted afterwards: it is a restore, not a drill.
    expect(records.every((r) => r.cleanup === undefined)).toBe(true);

    // The recovery time and point, as the CLI computes them from the records.
    const summary = applicationSummary(records, [], result.startedAt.toISOString());
    const lastAvailable = Math.max(...records.map((r) => Date.parse(r.availableAt ?? '')));
    expect(summary.recoverySeconds).toBe((lastAvailable - result.startedAt.getTime()) / 1000);
    expect(summary.recoverySeconds).toBeGreaterThan(0);
    const points = await Promise.all(records.map(async (r) => (await sandbox.points.list(r.arn))[0]));
    const oldest = points.map((p) => p?.takenAt ?? '').sort()[0];
    expect(summary.recoveryPoint?.dataAt).toBe(oldest);
    expect(summary.recoveryPoint?.ageSeconds).toBe((result.startedAt.getTime() - Date.parse(oldest ?? '')) / 1000);
    expect(summary.succeeded).toBe(true);
  });

  it('restores the application in the DR region from the copies there, and names the table with no copy there', async () => {
    // Prepare: an on-demand DynamoDB backup is not copied to another region.
    const arns = await backedUpApplication('app-dr-estate');
    const protectedResources = await sandbox.store.listLatestPoints('daily');
    expect(protectedResources.find((r) => r.arn === arns.databases[0])?.resourceTags).toContainEqual(ORDERS);

    // Act
    const result = await sandbox.restore(
      { application: { tags: { app: 'orders' } }, region: DR_REGION },
      'app-orders-dr',
    );

    // Assess: the rest restored there; the execution fails, naming what was not restored.
    expect(result.status).toBe('FAILED');
    const records = await recordsOf('app-orders-dr', 6);
    const [, , table] = arns.databases;
    expect(records.map((r) => r.arn).sort()).toEqual(
      [...arns.databases, ...arns.instances].filter((a) => a !== table).sort(),
    );
    expect(records.every((r) => r.status === 'AVAILABLE' && r.region === DR_REGION)).toBe(true);
    const message = sandbox.model.sns.at(-1);
    expect(message?.Subject).toBe('[BackupPipeline] Restores FAILED: 1 of 5 failed');
    expect(message?.Message).toContain(table);
  });
});
