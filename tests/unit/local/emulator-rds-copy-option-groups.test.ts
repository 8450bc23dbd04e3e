/**
 * RDS option groups and cross-region snapshot copies (issue #19), through the real SDK clients: a DB
 * snapshot carries its instance's option group (DescribeDBSnapshots OptionGroupName); a copy of one whose
 * group is not the engine's default into another region must name a group of the destination
 * (CopyDBSnapshot OptionGroupName), of the same engine; the copy carries that group, and a restore of it
 * naming none gets it (the snapshot's group, as RDS associates it with the restored instance).
 */
import {
  CopyDBSnapshotCommand,
  CreateDBSnapshotCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
  RDSServiceException,
  RestoreDBInstanceFromDBSnapshotCommand,
} from '@aws-sdk/client-rds';
import { DR_KEY_ALIAS, DR_REGION, seedDrKey } from '../../../local/estates/fleet';
import { EMULATOR_REGION, serviceFailure, useEmulator } from '../../support/emulator-harness';

/** Clients in the DR region: CopyDBSnapshot is called in the destination. */
const emu = useEmulator((config) => new RDSClient({ ...config, region: DR_REGION }));
const { model } = emu;
const failure = (call: Promise<unknown>) => serviceFailure(call, RDSServiceException, 'an RDS');

let home: RDSClient | undefined;
afterAll(() => home?.destroy());

/** A completed snapshot, taken in the home region, of an instance in `OptionGroupName` (unset: the default). */
async function snapshotOf(id: string, OptionGroupName?: string, Engine = 'oracle-ee') {
  model.addDbInstance(EMULATOR_REGION, {
    DBInstanceIdentifier: id,
    Engine,
    snapshotSeconds: 60,
    ...(OptionGroupName ? { OptionGroupName } : {}),
  });
  const config = await emu.client().config.endpoint?.();
  home ??= new RDSClient({
    region: EMULATOR_REGION,
    endpoint: `${config?.protocol}//${config?.hostname}:${config?.port}`,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  const created = await home.send(
    new CreateDBSnapshotCommand({ DBInstanceIdentifier: id, DBSnapshotIdentifier: `${id}-snap` }),
  );
  emu.advance(3600);
  return created.DBSnapshot?.DBSnapshotArn ?? '';
}

const copy = (source: string, target: string, OptionGroupName?: string) =>
  emu.client().send(
    new CopyDBSnapshotCommand({
      SourceDBSnapshotIdentifier: source,
      TargetDBSnapshotIdentifier: target,
      KmsKeyId: DR_KEY_ALIAS,
      ...(OptionGroupName ? { OptionGroupName } : {}),
    }),
  );

describe('CopyDBSnapshot across regions and option groups', () => {
  beforeAll(() => seedDrKey(model));

  it("shows a snapshot's option group: its instance's, else the engine's default", async () => {
    // Prepare
    await snapshotOf('billing', 'billing-opts');
    await snapshotOf('crm');

    // Act
    const shown = async (id: string) =>
      (await home?.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: id })))?.DBSnapshots?.[0]
        ?.OptionGroupName;

    // Assess
    expect([await shown('billing-snap'), await shown('crm-snap')]).toEqual(['billing-opts', 'default:oracle-ee']);
  });

  it('refuses a cross-region copy of a snapshot in a non-default option group that names none', async () => {
    // Prepare
    const source = await snapshotOf('orders', 'orders-opts');
    model.addOptionGroup(DR_REGION, 'orders-opts');

    // Act
    const refused = await failure(copy(source, 'orders-copy'));

    // Assess
    expect(refused.name).toBe('InvalidParameterValue');
    expect(refused.message).toContain('requires a target option group');
    expect(model.dbSnapshots(DR_REGION).map((s) => s.DBSnapshotIdentifier)).not.toContain('orders-copy');
  });

  it('refuses a copy naming an option group the destination does not have, or one of another engine', async () => {
    // Prepare
    const source = await snapshotOf('ledger', 'ledger-opts');
    model.addOptionGroup(DR_REGION, 'mysql-opts', 'mysql');

    // Act
    const missing = await failure(copy(source, 'ledger-copy-1', 'ledger-opts'));
    const otherEngine = await failure(copy(source, 'ledger-copy-2', 'mysql-opts'));

    // Assess
    expect(missing.name).toBe('OptionGroupNotFoundFault');
    expect(otherEngine.name).toBe('InvalidParameterCombination');
  });

  it('copies with a group of the destination, carries it, and a restore of the copy naming none gets it', async () => {
    // Prepare
    const source = await snapshotOf('stock', 'stock-opts');
    model.addOptionGroup(DR_REGION, 'stock-opts-dr', 'oracle-ee');
    const plain = await snapshotOf('audit');

    // Act
    const copied = await copy(source, 'stock-copy', 'stock-opts-dr');
    const defaultCopy = await copy(plain, 'audit-copy');
    emu.advance(4 * 3600);
    const restored = await emu.client().send(
      new RestoreDBInstanceFromDBSnapshotCommand({
        DBInstanceIdentifier: 'stock-dr',
        DBSnapshotIdentifier: 'stock-copy',
      }),
    );

    // Assess
    expect(copied.DBSnapshot?.OptionGroupName).toBe('stock-opts-dr');
    expect(defaultCopy.DBSnapshot?.OptionGroupName).toBe('default:oracle-ee');
    expect(restored.DBInstance?.OptionGroupMemberships?.[0]?.OptionGroupName).toBe('stock-opts-dr');
  });
});
