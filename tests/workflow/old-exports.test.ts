/**
 * Restores of old DynamoDB exports (issue #19, item 5): the backup workflow exports a table in the
 * monthly and the yearly tier, the virtual clock moves on 100 days and then 2 years, and the restore
 * workflow imports each export. The sandbox's bucket carries the lifecycle rules the stack deploys
 * (shared/backup-bucket-lifecycle.ts), and the model gives each export's objects their storage class
 * by age, refusing to read GLACIER and DEEP_ARCHIVE ones as S3 does: a restore passes here only if the
 * deployed bucket would still let DynamoDB ImportTable read the export.
 */
import { BACKUP_TAG } from '../../local/estates/fleet';
import { dynamoDocClient } from '../../shared/lambda/clients';
import { MODE_TAG } from '../../shared/services/modes';
import { RestoreStore } from '../../shared/state/restore-store';
import { BUCKET, openSandbox, REGION, type Sandbox, TABLE } from '../support/workflow-sandbox';

jest.setTimeout(60_000);

const DAY_MS = 86_400_000;

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await openSandbox();
});
afterAll(async () => {
  await sandbox.close();
});

/** The export a run of `tier` made of the table: its restore point's backup id (the export ARN). */
async function exportOf(tier: string, runId: string): Promise<string> {
  const result = await sandbox.run({ tier }, runId);
  expect(result.status).toBe('SUCCEEDED');
  const [record] = await sandbox.store.listResources(runId);
  const point = await sandbox.points.get(record?.arn ?? 'missing', runId);
  const [exportArn] = point?.backupIds ?? [];
  expect(exportArn).toContain('/export/');
  return exportArn ?? '';
}

/** The storage class the bucket's lifecycle has given the export's data files by now. */
function classOf(exportArn: string): string {
  const described = sandbox.model.describeExport(REGION, { ExportArn: exportArn }).ExportDescription;
  const data = described.ExportManifest.replace(/manifest-summary\.json$/, 'data/');
  const state = sandbox.model.services.s3.objectState(BUCKET, data, described.EndTime?.getTime() ?? 0);
  return state.expired ? 'expired' : state.storageClass;
}

/** Restores `backupId` under `name`; SUCCEEDED, or the status with the record's reason. */
async function restoreOutcome(backupId: string, name: string): Promise<string> {
  const result = await sandbox.restore({ backupId, name }, `restore-${name}`);
  if (result.status === 'SUCCEEDED') return result.status;
  const record = await new RestoreStore(dynamoDocClient(), TABLE).get(`restore-${name}`);
  return `${result.status}: ${record?.error?.error ?? ''}: ${record?.error?.cause ?? ''}`;
}

describe('OldExportsRestore', () => {
  it("restores a 100-day-old monthly export and a 2-year-old yearly export from the bucket's lifecycle", async () => {
    // Prepare
    await sandbox.reset({ clockStart: new Date('2026-01-01T03:00:00Z') });
    sandbox.model.addDynamoTable(REGION, {
      TableName: 'ledger',
      pitr: true,
      Tags: [{ Key: 'Name', Value: 'ledger' }, BACKUP_TAG, { Key: MODE_TAG, Value: 'export' }],
    });
    const monthly = await exportOf('monthly', 'old-exports-monthly');
    const yearly = await exportOf('yearly', 'old-exports-yearly');

    // Act
    await sandbox.scheduler.sleep(100 * DAY_MS);
    const monthlyClass = classOf(monthly);
    const after100Days = await restoreOutcome(monthly, 'ledger-restored-monthly');
    await sandbox.scheduler.sleep((2 * 365 - 100) * DAY_MS);
    const yearlyClass = classOf(yearly);
    const after2Years = await restoreOutcome(yearly, 'ledger-restored-yearly');

    // Assess: both exports left Standard for the archive tier the stack deploys, and still restore.
    expect({ monthly: [monthlyClass, after100Days], yearly: [yearlyClass, after2Years] }).toEqual({
      monthly: ['GLACIER_IR', 'SUCCEEDED'],
      yearly: ['GLACIER_IR', 'SUCCEEDED'],
    });
    expect(sandbox.model.hasDynamoTable(REGION, 'ledger-restored-monthly')).toBe(true);
    expect(sandbox.model.hasDynamoTable(REGION, 'ledger-restored-yearly')).toBe(true);
  });
});
