/**
 * The catalog registry: what each service folder declares as data (its resource types, their ARN
 * grammar, the labels messages use, backup modes, storage prices; its backup kinds; the AWS error codes
 * it answers with), gathered in one place. A leaf: it imports only the services' catalog files, never
 * a driver or an SDK, because shared/resource.ts (whose zod enum is built at module load) and
 * shared/errors.ts read it, and the drivers import both. The drivers themselves are gathered in ./index.ts.
 */

import type {
  ApiRateBucket,
  IsolatingPlacementField,
  ResourceTypeEntry,
  ServiceCatalog,
  ServiceErrorCodes,
} from './catalog-types';
import { dynamodbCatalog } from './dynamodb/catalog';
import { ec2Catalog } from './ec2/catalog';
import type { PermissionSet } from './permission-set';
import { rdsCatalog } from './rds/catalog';

export type { ApiRateBucket, IsolatingPlacementField, ResourceTypeEntry, ServiceCatalog, ServiceErrorCodes };

/**
 * Every service, one line each. The order is the order ARN patterns are tried, drivers are listed and
 * (through them) retention visits the backup stores.
 */
export const SERVICES = [ec2Catalog, rdsCatalog, dynamodbCatalog] as const;

type Entry = (typeof SERVICES)[number]['types'][number];
export type ResourceType = Entry['type'];
export type BackupKind = (typeof SERVICES)[number]['backupKinds'][number];
type ModedEntry = Extract<Entry, { modes: readonly string[] }>;
export type ModedType = ModedEntry['type'];
export type BackupMode = ModedEntry['modes'][number];

export const TYPE_ENTRIES: readonly (ResourceTypeEntry & { readonly type: ResourceType })[] = SERVICES.flatMap(
  (s): readonly Entry[] => s.types,
);

/** Types with a driver (./index.ts), in catalog order: the zod enum of ResourceRef.type. */
export const RESOURCE_TYPES = TYPE_ENTRIES.map((e) => e.type) as [ResourceType, ...ResourceType[]];

export const BACKUP_KINDS = SERVICES.flatMap((s): readonly string[] => s.backupKinds) as BackupKind[];

/** The types that offer a choice of backup mode, with their modes (the default first). */
export const MODED_ENTRIES = TYPE_ENTRIES.filter(
  (e): e is ResourceTypeEntry & { type: ModedType; modes: readonly [BackupMode, ...BackupMode[]] } =>
    e.modes !== undefined,
);

/** The placement fields that isolate a drill's restores of these types, in one fixed order. */
export function isolatingFieldsOf(types: readonly string[]): IsolatingPlacementField[] {
  const needed = new Set(TYPE_ENTRIES.filter((e) => types.includes(e.type)).flatMap((e) => e.isolatedBy ?? []));
  return (['subnetId', 'securityGroupIds', 'dbSubnetGroupName'] as const).filter((f) => needed.has(f));
}

/** An application's default restore waves: the types grouped by their restoreWave, the first wave first. */
export function defaultRestoreWaves(): ResourceType[][] {
  const waves = new Map<number, ResourceType[]>();
  for (const e of TYPE_ENTRIES) waves.set(e.restoreWave ?? 1, [...(waves.get(e.restoreWave ?? 1) ?? []), e.type]);
  return [...waves.entries()].sort(([a], [b]) => a - b).map(([, types]) => types);
}

/** "EC2 instances, EBS volumes, ...": every supported type as messages name it. */
export function supportedTypesLabel(): string {
  return TYPE_ENTRIES.map((e) => e.label).join(', ');
}

/** "5 instances, 2 standalone volumes, ...": a count of each type, in catalog order, as a summary reads. */
export function typeCountsLabel(counts: Readonly<Partial<Record<string, number>>>): string {
  return TYPE_ENTRIES.map((e) => `${counts[e.type] ?? 0} ${e.countLabel ?? e.label}`).join(', ');
}

/** Every service's API request-rate buckets, in catalog order, each with the service whose calls draw from it. */
export const API_RATE_BUCKETS: readonly (ApiRateBucket & { readonly service: string })[] = SERVICES.flatMap((s) =>
  ((s as ServiceCatalog).apiRateBuckets ?? []).map((bucket) => ({ ...bucket, service: s.service })),
);

/**
 * List prices per GB-month (us-east-1; other regions differ by a few cents), keyed by resource type; a
 * type without a price is listed by the report as not estimated rather than guessed.
 */
export const STORAGE_PRICES: Readonly<Record<string, { backup: string; usdPerGbMonth: number }>> = Object.fromEntries(
  TYPE_ENTRIES.flatMap((e) => (e.storagePrice ? [[e.type, { ...e.storagePrice }]] : [])),
);

/** Every service's error codes of one class, for shared/errors.ts to add to the generic ones. */
export function serviceErrorCodes(kind: keyof ServiceErrorCodes): string[] {
  return SERVICES.flatMap((s): readonly string[] => (s.errorCodes as ServiceErrorCodes)[kind] ?? []);
}

/** Every service's IAM needs, by service name: the stack applies them all in one place. */
export const SERVICE_PERMISSIONS: Readonly<Record<string, PermissionSet>> = Object.fromEntries(
  SERVICES.map((s) => [s.service, s.permissions]),
);
