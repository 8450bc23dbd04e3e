/** The driver registry: the only place that knows every resource type. */
import type { ResourceType } from '../resource';
import type { BackupStore, ResourceDriver } from './driver';
import { dynamoTableDriver } from './dynamodb/dynamodb-table';
import { ebsVolumeDriver } from './ec2/ebs-volume';
import { ec2InstanceDriver } from './ec2/ec2-instance';
import { auroraClusterDriver } from './rds/aurora-cluster';
import { rdsInstanceDriver } from './rds/rds-instance';

export const DRIVERS: Record<ResourceType, ResourceDriver> = {
  'ec2-instance': ec2InstanceDriver,
  'ebs-volume': ebsVolumeDriver,
  'rds-instance': rdsInstanceDriver,
  'aurora-cluster': auroraClusterDriver,
  'dynamodb-table': dynamoTableDriver,
};

export function driverFor(type: ResourceType): ResourceDriver {
  return DRIVERS[type];
}

/**
 * Each kind of backup store once, even when several drivers create that kind. A driver's extra stores
 * come before its own: their backups hold the others' (AMIs hold EBS snapshots), and retention lists
 * and deletes store by store in this order.
 */
export function backupStores(): BackupStore[] {
  const all = Object.values(DRIVERS).flatMap((d) => [...(d.extraStores ?? []), d.store]);
  return [...new Map(all.map((store) => [store.kind, store])).values()];
}

export type { BackupStore, CheckResult, Discovered, OwnedBackup, ResourceDriver } from './driver';
