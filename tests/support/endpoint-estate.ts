/**
 * An independent AWS-compatible endpoint for the `--endpoint` tests: a second sandbox playing another
 * account, on the wall clock (as an external emulator is), with token buckets off, holding a mixed
 * fleet tagged for backup whose backups finish in about two seconds, and one resource left alone.
 */
import { BACKUP_TAG } from '../../local/estates/fleet';
import { type Sandbox, startSandbox } from '../../local/sandbox';
import { MODE_TAG } from '../../shared/services/modes';

export const ENDPOINT_ACCOUNT = '444455556666';
export const ENDPOINT_REGION = 'eu-west-1';

export interface EndpointEstate {
  sandbox: Sandbox;
  /** Resource ids (instance, volume, DB, cluster, table, exported table) expected in the run. */
  tagged: string[];
  untagged: string;
}

export async function startEndpointEstate(): Promise<EndpointEstate> {
  const sandbox = await startSandbox({
    fleet: { kind: 'none' },
    accountId: ENDPOINT_ACCOUNT,
    realTimeEstate: true,
    tokenBuckets: false,
  });
  const model = sandbox.model;
  if (!model) throw new Error('expected the built-in emulator');
  const region = ENDPOINT_REGION;
  const quick = { snapshotSeconds: 2 };
  const instance = model.addInstance(region, {
    Tags: [BACKUP_TAG],
    volumes: [
      { Size: 8, ...quick },
      { Size: 20, ...quick },
    ],
  });
  const volume = model.addVolume(region, { Size: 8, Tags: [BACKUP_TAG], ...quick });
  const db = model.addDbInstance(region, { DBInstanceIdentifier: 'orders', TagList: [BACKUP_TAG], ...quick });
  const cluster = model.addDbCluster(region, { DBClusterIdentifier: 'ledger', TagList: [BACKUP_TAG], ...quick });
  const table = model.addDynamoTable(region, { TableName: 'sessions', Tags: [BACKUP_TAG], backupSeconds: 2 });
  const exported = model.addDynamoTable(region, {
    TableName: 'clickstream',
    pitr: true,
    Tags: [BACKUP_TAG, { Key: MODE_TAG, Value: 'export' }],
    exportSeconds: 2,
  });
  const untagged = model.addVolume(region, { Size: 8, Tags: [{ Key: 'Name', Value: 'not mine' }], ...quick });
  return {
    sandbox,
    tagged: [
      instance.InstanceId,
      volume.VolumeId,
      db.DBInstanceIdentifier,
      cluster.DBClusterIdentifier,
      table.TableName,
      exported.TableName,
    ],
    untagged: untagged.VolumeId,
  };
}
