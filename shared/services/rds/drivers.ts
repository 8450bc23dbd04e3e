/** RDS's drivers, for the registry (../index.ts). */
import type { ResourceDriver } from '../driver';
import type { RestoreDriver } from '../restore';
import { auroraClusterDriver } from './aurora-cluster';
import { auroraClusterRestore } from './aurora-cluster-restore';
import { rdsInstanceDriver } from './rds-instance';
import { rdsInstanceRestore } from './rds-instance-restore';

export const rdsDrivers: readonly ResourceDriver[] = [rdsInstanceDriver, auroraClusterDriver];

/** Its restore drivers, one per (type, kind of backup). */
export const rdsRestoreDrivers: readonly RestoreDriver[] = [rdsInstanceRestore, auroraClusterRestore];
