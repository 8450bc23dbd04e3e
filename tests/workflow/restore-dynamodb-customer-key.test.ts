/**
 * DynamoDB restores of tables under a customer managed key: statemachines/restore.asl.json with the real
 * handlers, AWS answered by the model. DynamoDB uses the table's key for the caller when it restores an
 * on-demand backup (the backup keeps the table's key) or imports an export (ImportTable's SSESpecification,
 * from the settings discovery recorded): the key must exist in the table's region, be enabled, and the
 * restoring function's grants must allow DynamoDB's key actions through dynamodb.<region>.amazonaws.com
 * (the sandbox answers key use from each function's grants, tests/support/key-use-policy.ts).
 */
import { BACKUP_TAG } from '../../local/estates/fleet';
import { dynamoDocClient } from '../../shared/lambda/clients';
import { MODE_TAG } from '../../shared/services/modes';
import { RestoreStore } from '../../shared/state/restore-store';
import { openSandbox, REGION, type Sandbox, TABLE } from '../support/workflow-sandbox';

jest.setTimeout(60_000);

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await openSandbox();
});
afterAll(async () => {
  await sandbox.close();
});

const restores = () => new RestoreStore(dynamoDocClient(), TABLE);

/** Two tables under the customer managed key `billing-data`, one backed up on demand, one exported; one daily run. */
async function keyedTablesBackedUp(runId: string) {
  const m = sandbox.model;
  const key = m.addKmsKey(REGION, { alias: 'billing-data' });
  m.addDynamoTable(REGION, {
    TableName: 'invoices',
    kmsKeyId: 'alias/billing-data',
    Tags: [{ Key: 'Name', Value: 'invoices' }, BACKUP_TAG],
  });
  m.addDynamoTable(REGION, {
    TableName: 'payments',
    kmsKeyId: key.Arn,
    pitr: true,
    Tags: [{ Key: 'Name', Value: 'payments' }, BACKUP_TAG, { Key: MODE_TAG, Value: 'export' }],
  });
  const run = await sandbox.run({ tier: 'daily' }, runId);
  expect(run.status).toBe('SUCCEEDED');
  return { key, backup: m.dynamoTableArn(REGION, 'invoices'), exported: m.dynamoTableArn(REGION, 'payments') };
}

/** Restores each, returning `<status>` or `<status> <record status>: <error>: <cause>` per restore. */
async function restoreEach(arns: Record<string, string>, prefix: string) {
  const outcomes: Record<string, string> = {};
  for (const [what, arn] of Object.entries(arns)) {
    const result = await sandbox.restore({ resource: arn, latest: true }, `${prefix}-${what}`);
    const record = await restores().get(`${prefix}-${what}`);
    outcomes[what] =
      result.status === 'SUCCEEDED'
        ? result.status
        : `${result.status} ${record?.status}: ${record?.error?.error}: ${record?.error?.cause}`;
  }
  return outcomes;
}

describe('DynamoDB restores under a customer managed key', () => {
  describe('RestoreDynamoDbTableUnderCustomerKey', () => {
    it("restores a table's on-demand backup and its export under the table's key, used as start-restore's grants allow", async () => {
      // Prepare
      await sandbox.reset();
      const { key, backup, exported } = await keyedTablesBackedUp('ddb-key-estate');

      // Act
      const outcomes = await restoreEach({ backup, exported }, 'ddb-key');

      // Assess: both restored, each under the key, the key used through DynamoDB by start-restore only.
      expect(outcomes).toEqual({ backup: 'SUCCEEDED', exported: 'SUCCEEDED' });
      for (const what of ['backup', 'exported']) {
        const [name] = (await restores().get(`ddb-key-${what}`))?.restoredIds ?? [];
        const table = sandbox.model.describeTable(REGION, { TableName: name });
        expect(table.Table).toMatchObject({
          TableStatus: 'ACTIVE',
          SSEDescription: { Status: 'ENABLED', SSEType: 'KMS', KMSMasterKeyArn: key.Arn },
        });
      }
      const used = new Set(sandbox.keyUses.map((u) => `${u.fn} ${u.keys['kms:ViaService']} ${u.keyArn}`));
      expect(used).toEqual(new Set([`start-restore dynamodb.${REGION}.amazonaws.com ${key.Arn}`]));
      expect(sandbox.keyUses.filter((u) => !u.allowed)).toEqual([]);
    });

    it('fails both restores the way DynamoDB does when the key is disabled: ValidationException, no table made', async () => {
      // Prepare
      await sandbox.reset();
      const { backup, exported } = await keyedTablesBackedUp('ddb-key-off-estate');
      sandbox.model.disableKmsKey(REGION, 'alias/billing-data');

      // Act
      const outcomes = await restoreEach({ backup, exported }, 'ddb-key-off');

      // Assess
      expect(outcomes.backup).toMatch(/^FAILED FAILED: .*ValidationException.*KMS key disabled error: .*is disabled/);
      expect(outcomes.exported).toMatch(/^FAILED FAILED: .*ValidationException.*KMS key disabled error: .*is disabled/);
      expect((sandbox.model.listTables(REGION, {}).TableNames ?? []).filter((t) => t.includes('-restored-'))).toEqual(
        [],
      );
    });
  });
});
