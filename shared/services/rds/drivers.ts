/** RDS's drivers, for the registry (../index.ts). */
import type { ResourceDriver } from '../driver';
import type { RestoreDriver } from '../restore';
import { auroraClusterDriver, clusterDriver } from './aurora-cluster';
import { auroraClusterRestore, clusterRestoreDriver } from './aurora-cluster-restore';
import { rdsInstanceDriver } from './rds-instance';
import { rdsInstanceRestore } from './rds-instance-restore';

/** DocumentDB and Neptune clusters are RDS clusters of their engines: Aurora's driver, their engines kept. */
export const rdsDrivers: readonly ResourceDriver[] = [
  rdsInstanceDriver,
  auroraClusterDriver,
  clusterDriver('docdb-cluster'),
  clusterDriver('neptune-cluster'),
];

/** Its restore drivers, one per (type, kind of backup). */
export const rdsRestoreDrivers: readonly RestoreDriver[] = [
  rdsInstanceRestore,
  auroraClusterRestore,
  clusterRestoreDriver('docdb-cluster'),
  clusterRestoreDriver('neptune-cluster'),
];
