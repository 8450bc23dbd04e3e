/**
 * Workflow scenarios: statemachines/backup.asl.json executed by aws-local-stepfunctions with the real
 * handlers; AWS answered by the in-memory model, state in dynalite, time virtual.
 */
import { BACKUP_TAG } from '../../local/fleet';
import { type Sandbox, openSandbox, REGION } from '../support/workflow-sandbox';

jest.setTimeout(60_000);

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await openSandbox();
});
afterAll(async () => {
  await sandbox.close();
});

const tagged = (name: string) => [{ Key: 'Name', Value: name }, BACKUP_TAG];

/** 3 instances (1-3 volumes), 2 standalone volumes, 2 RDS instances, and an untagged instance. */
function seedHappyFleet(s: Sandbox) {
  const instances = [
    s.model.addInstance(REGION, { Tags: tagged('web-1'), volumes: [{ Size: 30 }] }),
    s.model.addInstance(REGION, { Tags: tagged('web-2'), volumes: [{ Size: 30 }, { Size: 100 }] }),
    s.model.addInstance(REGION, { Tags: tagged('app-1'), volumes: [{ Size: 50 }, { Size: 200 }, { Size: 500 }] }),
  ];
  const volumes = [
    s.model.addVolume(REGION, { Size: 200, Tags: tagged('data') }),
    s.model.addVolume(REGION, { Size: 1000, Tags: tagged('archive') }),
  ];
  const dbs = [
    s.model.addDbInstance(REGION, { DBInstanceIdentifier: 'orders', AllocatedStorage: 200, TagList: tagged('orders') }),
    s.model.addDbInstance(REGION, { DBInstanceIdentifier: 'customers', AllocatedStorage: 100, TagList: tagged('customers') }),
  ];
  const untagged = s.model.addInstance(REGION, { Tags: [{ Key: 'Name', Value: 'scratch' }], volumes: [{ Size: 10 }] });
  return { instances, volumes, dbs, untagged };
}

describe('HappyPath', () => {
  it('backs up 3 instances, 2 volumes and 2 RDS instances, leaves untagged resources alone, and succeeds', async () => {
    // Prepare
    sandbox.reset();
    const fleet = seedHappyFleet(sandbox);

    // Act
    const result = await sandbox.run({ tier: 'daily' }, 'happy-path');

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    const records = await sandbox.store.listResources('happy-path');
    expect(records).toHaveLength(7);
    expect(records.every((r) => r.status === 'COMPLETED')).toBe(true);
    const snapshots = sandbox.model.snapshots(REGION);
    expect(snapshots).toHaveLength(1 + 2 + 3 + 2); // one per instance volume, one per standalone volume
    expect(snapshots.every((s) => s.State === 'completed')).toBe(true);
    expect(snapshots.some((s) => s.VolumeId === fleet.untagged.volumeIds[0])).toBe(false);
    expect(sandbox.model.dbSnapshots(REGION).map((s) => s.DBInstanceIdentifier).sort()).toEqual(['customers', 'orders']);
    const run = await sandbox.store.getRun('happy-path');
    expect(run).toMatchObject({ status: 'SUCCEEDED', tier: 'daily', counts: { total: 7, completed: 7, failed: 0 } });
  });
});
