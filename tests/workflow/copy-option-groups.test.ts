/**
 * Cross-region copies of RDS DB instances in their own option group (issue #19): statemachines/backup.asl.json
 * and restore.asl.json with the real handlers and drivers, AWS answered by the in-memory model. Option groups
 * are regional: CopyDBSnapshot into the DR region names the DR group, the same-named one operators create
 * there, or the one `copyTo[].optionGroups` maps it to. The copy carries it, a restore of the copy in the
 * DR region gets it, and a copy to a region without it fails, naming what to create or map.
 */
import { BACKUP_TAG, DR_KEY_ALIAS, DR_REGION, seedDrKey } from '../../local/estates/fleet';
import { openSandbox, REGION, type Sandbox } from '../support/workflow-sandbox';

jest.setTimeout(60_000);

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await openSandbox();
});
afterAll(async () => {
  await sandbox.close();
});

/**
 * `orders` (Oracle, option group `orders-opts`) backed up with a copy to the DR region, whose option
 * groups are `drGroups`, under the copy target's `extra` fields.
 */
async function backUpOrders(runId: string, drGroups: string[], extra: Record<string, unknown> = {}) {
  await sandbox.reset();
  seedDrKey(sandbox.model);
  for (const group of drGroups) sandbox.model.addOptionGroup(DR_REGION, group, 'oracle-ee');
  sandbox.model.addDbInstance(REGION, {
    DBInstanceIdentifier: 'orders',
    Engine: 'oracle-ee',
    TagList: [{ Key: 'Name', Value: 'orders' }, BACKUP_TAG],
    OptionGroupName: 'orders-opts',
  });
  const run = await sandbox.run(
    { tier: 'daily', copyTo: [{ region: DR_REGION, kmsKeyId: DR_KEY_ALIAS, ...extra }] },
    runId,
  );
  const record = await sandbox.store.getResource(runId, sandbox.model.dbInstanceArn(REGION, 'orders'));
  return { run, record, copies: sandbox.model.dbSnapshots(DR_REGION) };
}

const optionGroupOf = (region: string, id: string) =>
  sandbox.model.describeDBInstances(region, { DBInstanceIdentifier: id }).DBInstances[0]?.OptionGroupMemberships;

describe('RDS copies to a DR region and option groups', () => {
  it('copies into the same-named option group of the DR region, and a restore there gets it', async () => {
    // Prepare / Act: the operators made `orders-opts` in the DR region too (IaC).
    const { run, record, copies } = await backUpOrders('og-same-name', ['orders-opts']);
    const restored = await sandbox.restore(
      { resource: sandbox.model.dbInstanceArn(REGION, 'orders'), latest: true, region: DR_REGION, name: 'orders-dr' },
      'og-restore-dr',
    );

    // Assess
    expect([run.status, record?.status, record?.error]).toEqual(['SUCCEEDED', 'COMPLETED', undefined]);
    expect(copies).toEqual([expect.objectContaining({ Status: 'available', OptionGroupName: 'orders-opts' })]);
    expect([restored.status, restored.cause]).toEqual(['SUCCEEDED', undefined]);
    expect(optionGroupOf(DR_REGION, 'orders-dr')).toEqual([
      expect.objectContaining({ OptionGroupName: 'orders-opts' }),
    ]);
  });

  it('copies into the DR option group copyTo[].optionGroups maps the source group to', async () => {
    // Prepare / Act
    const { run, copies } = await backUpOrders('og-mapped', ['orders-opts-dr'], {
      optionGroups: { 'orders-opts': 'orders-opts-dr' },
    });

    // Assess
    expect(run.status).toBe('SUCCEEDED');
    expect(copies).toEqual([expect.objectContaining({ Status: 'available', OptionGroupName: 'orders-opts-dr' })]);
  });

  it('fails the copy to a DR region without the group, naming the group to create or map there', async () => {
    // Prepare / Act
    const { run, record, copies } = await backUpOrders('og-missing', []);

    // Assess: the backup is good; its copy failed with a reason the operator can act on.
    expect(run.status).toBe('FAILED');
    expect(record?.status).toBe('FAILED');
    const [copy] = record?.copies ?? [];
    expect(copy).toMatchObject({ region: DR_REGION, status: 'FAILED' });
    expect(copy?.reason).toContain(`option group orders-opts does not exist in ${DR_REGION}`);
    expect(copy?.reason).toContain('copyTo[].optionGroups');
    expect(copies).toEqual([]);
  });
});
