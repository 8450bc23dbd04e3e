/**
 * The catalog registry: what each service folder declares as data (its resource types, their ARN
 * grammar, the labels messages use, backup modes, storage prices; its backup kinds; the AWS error codes
 * it answers with), gathered in one place. A leaf: it imports only the services' catalog files, never
 * a driver or an SDK, because shared/resource.ts (whose zod enum is built at module load) and
 * shared/errors.ts read it, and the drivers import both. The drivers themselves are gathered in ./index.ts.
 */

import { z } from 'zod';
import type {
  ApiRateBucket,
  PlacementFields,
  ResourceTypeEntry,
  ServiceCatalog,
  ServiceErrorCodes,
  ServiceRunbookEntry,
} from './catalog-types';
import { dynamodbCatalog } from './dynamodb/catalog';
import { ec2Catalog } from './ec2/catalog';
import { elasticacheCatalog } from './elasticache/catalog';
import type { ImpliedAction, PermissionSet } from './permission-set';
import { rdsCatalog } from './rds/catalog';
import { redshiftCatalog } from './redshift/catalog';
import { s3Catalog } from './s3/catalog';

export type {
  ApiRateBucket,
  PlacementFields,
  ResourceTypeEntry,
  ServiceCatalog,
  ServiceErrorCodes,
  ServiceRunbookEntry,
};

/**
 * Every service, one line each. The order is the order ARN patterns are tried, drivers are listed and
 * (through them) retention visits the backup stores.
 */
export const SERVICES = [
  ec2Catalog,
  rdsCatalog,
  dynamodbCatalog,
  redshiftCatalog,
  elasticacheCatalog,
  s3Catalog,
] as const;

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

type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;
type PlacementShape = UnionToIntersection<
  Extract<(typeof SERVICES)[number], { placement: PlacementFields }>['placement']
>;

/**
 * Every service's placement fields, in catalog order (a field two services declare keeps its first place):
 * what a restore's `placement`, a drill's `placements` and cdk.json `drills.placement` may name.
 */
export const PLACEMENT_FIELDS = Object.assign(
  {},
  ...SERVICES.map((s): PlacementFields => ('placement' in s ? s.placement : {})),
) as PlacementShape;

/**
 * Where a restore goes in a region: the one placement schema, parsed wherever a placement is read (the
 * restore input and plan, cdk.json drills, the CLI's --placement). Strict: a field no service reads is
 * refused, not ignored.
 */
export const restorePlacementSchema = z.strictObject(PLACEMENT_FIELDS);
export type RestorePlacement = z.infer<typeof restorePlacementSchema>;
export type PlacementField = keyof RestorePlacement;

/** The placement fields that isolate a drill's restores of these types, in the placement's order. */
export function isolatingFieldsOf(types: readonly string[]): PlacementField[] {
  const needed = new Set(TYPE_ENTRIES.filter((e) => types.includes(e.type)).flatMap((e) => e.isolatedBy ?? []));
  return (Object.keys(PLACEMENT_FIELDS) as PlacementField[]).filter((f) => needed.has(f));
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

/** Every service's runbook entries, in catalog order (shared/workflow/notify/runbook.ts places them). */
export const SERVICE_RUNBOOK: readonly ServiceRunbookEntry[] = SERVICES.flatMap(
  (s): readonly ServiceRunbookEntry[] => (s as ServiceCatalog).runbook ?? [],
);

/** Every service's IAM needs, by service name: the stack applies them all in one place. */
export const SERVICE_PERMISSIONS: Readonly<Record<string, PermissionSet>> = Object.fromEntries(
  SERVICES.map((s) => [s.service, s.permissions]),
);

/** What AWS evaluates on a call's behalf (each service's `impliedActions`), for the call's action. */
export function impliedActionsOf(action: string): readonly ImpliedAction[] {
  return SERVICES.flatMap((s): readonly ImpliedAction[] => (s as ServiceCatalog).impliedActions?.[action] ?? []);
}

/** The IAM action a service's call is authorized as (`s3:ListAllMyBuckets` for S3 ListBuckets). */
export function iamActionOf(service: string, call: string): string {
  const own = (SERVICES as readonly ServiceCatalog[]).find((s) => s.service === service)?.actionOfCall?.[call];
  return `${service}:${own ?? call}`;
}
