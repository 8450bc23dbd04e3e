/**
 * The driver registry: every service's drivers, one line per service. The types, their ARN patterns,
 * labels, modes, prices and error codes are gathered from the same folders by ./catalog.ts (a leaf, so
 * that shared/resource.ts can build its zod enum at load without importing any driver).
 */
import type { ResourceType } from '../resource';
import type { BackupStore, ResourceDriver, SdkClientClass } from './driver';
import { dynamodbCatalog } from './dynamodb/catalog';
import { dynamodbClientClasses, dynamodbCreatingClients } from './dynamodb/client';
import { dynamodbDrivers, dynamodbRestoreDrivers } from './dynamodb/drivers';
import { ec2Catalog } from './ec2/catalog';
import { ec2ClientClasses, ec2CreatingClients } from './ec2/client';
import { hasDefaultVpc } from './ec2/default-vpc';
import { ec2Drivers, ec2RestoreDrivers } from './ec2/drivers';
import { elasticacheCatalog } from './elasticache/catalog';
import { elasticacheClientClasses, elasticacheCreatingClients } from './elasticache/client';
import { elasticacheDrivers, elasticacheRestoreDrivers } from './elasticache/drivers';
import { DEFAULT_MODES, type ModedType } from './modes';
import { rdsCatalog } from './rds/catalog';
import { rdsClientClasses, rdsCreatingClients } from './rds/client';
import { rdsDrivers, rdsRestoreDrivers } from './rds/drivers';
import { redshiftCatalog } from './redshift/catalog';
import { redshiftClientClasses, redshiftCreatingClients } from './redshift/client';
import { redshiftDrivers, redshiftRestoreDrivers } from './redshift/drivers';
import type { RegionFacts, RestoreDriver } from './restore';
import { s3Catalog } from './s3/catalog';
import { s3ClientClasses, s3CreatingClients } from './s3/client';
import { s3Drivers, s3RestoreDrivers } from './s3/drivers';

const ALL_DRIVERS: readonly ResourceDriver[] = [
  ...ec2Drivers,
  ...rdsDrivers,
  ...dynamodbDrivers,
  ...redshiftDrivers,
  ...elasticacheDrivers,
  ...s3Drivers,
];

export const DRIVERS = Object.fromEntries(ALL_DRIVERS.map((driver) => [driver.type, driver])) as Readonly<
  Record<ResourceType, ResourceDriver>
>;

export function driverFor(type: ResourceType): ResourceDriver {
  return DRIVERS[type];
}

export const RESTORE_DRIVERS: readonly RestoreDriver[] = [
  ...ec2RestoreDrivers,
  ...rdsRestoreDrivers,
  ...dynamodbRestoreDrivers,
  ...redshiftRestoreDrivers,
  ...elasticacheRestoreDrivers,
  ...s3RestoreDrivers,
];

/**
 * The restore driver for a type's backups made in one mode (absent: the type's default mode, or its only
 * way); undefined when such a backup cannot be restored.
 */
export function restoreDriverFor(type: ResourceType, mode?: string): RestoreDriver | undefined {
  const wanted = mode ?? (DEFAULT_MODES as Partial<Record<string, string>>)[type as ModedType];
  return RESTORE_DRIVERS.find(
    (d) =>
      d.type === type &&
      (d.modes === undefined ? wanted === undefined : wanted !== undefined && d.modes.some((m) => m === wanted)),
  );
}

/** The facts restore drivers' placement checks ask for, each region's looked up once (one Plan's worth). */
export function regionFacts(): RegionFacts {
  const defaultVpcs = new Map<string, Promise<boolean>>();
  return {
    hasDefaultVpc(region) {
      let known = defaultVpcs.get(region);
      if (!known) {
        known = hasDefaultVpc(region);
        defaultVpcs.set(region, known);
      }
      return known;
    },
  };
}

/**
 * Every service's SDK clients a Create* call may go through in `region`, for the sandbox's crash
 * injection (local/sandbox.ts), which dies right after such a call.
 */
export function creatingClients(region: string): readonly { readonly middlewareStack: object }[] {
  return [
    ...ec2CreatingClients(region),
    ...rdsCreatingClients(region),
    ...dynamodbCreatingClients(region),
    ...redshiftCreatingClients(region),
    ...elasticacheCreatingClients(region),
    ...s3CreatingClients(region),
  ];
}

/**
 * Every service's SDK client classes, by its name (the IAM prefix of its actions), in catalog order:
 * the IAM test (tests/infra/iam-matches-handler-calls.test.ts) observes the calls made through them.
 */
export const SDK_CLIENT_CLASSES: Readonly<Record<string, readonly SdkClientClass[]>> = {
  [ec2Catalog.service]: ec2ClientClasses,
  [rdsCatalog.service]: rdsClientClasses,
  [dynamodbCatalog.service]: dynamodbClientClasses,
  [redshiftCatalog.service]: redshiftClientClasses,
  [elasticacheCatalog.service]: elasticacheClientClasses,
  [s3Catalog.service]: s3ClientClasses,
};

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
