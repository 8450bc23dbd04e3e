/** RDS's drivers, for the registry (../index.ts). */
import type { ResourceDriver } from '../driver';
import { auroraClusterDriver } from './aurora-cluster';
import { rdsInstanceDriver } from './rds-instance';

export const rdsDrivers: readonly ResourceDriver[] = [rdsInstanceDriver, auroraClusterDriver];
