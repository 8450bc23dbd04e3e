/**
 * The restore side of a resource type (issue #12): one RestoreDriver per type, beside its backup driver in
 * the service's folder, behind one interface the restore workflow calls (start → (wait → check)* → for
 * drills, remove). As with backups, expected outcomes are values (RestoreCheck) and only named errors
 * are thrown (shared/errors.ts): a name already taken is NameInUseError, never an overwrite.
 *
 * Every restored resource carries the restore tags below: where it came from, which restore made it, and
 * whether a drill did. It never carries the source's selection tag, so the pipeline neither backs it up
 * nor deletes it unless an operator tags it; cleanup removes only what carries this stack's restored-by.
 */
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { InvalidInputError } from '../errors';
import type { ResourceType } from '../resource';
import { RESTORE_TAG, type Tag } from '../tags';
import type { BackupMode } from './catalog';

/** The restore tags (leaf module ../tags, so that the services' permission data can name them). */
export { RESTORE_TAG };

export interface RestoreTagValues {
  /** The managed-by value (ownerTagValue: stack name @ home region). */
  restoredBy: string;
  restoreId: string;
  sourceArn: string;
  backupId: string;
  drill: boolean;
}

export function restoreTags(v: RestoreTagValues, name?: string): Tag[] {
  return [
    ...(name ? [{ Key: 'Name', Value: name }] : []),
    { Key: RESTORE_TAG.restoredBy, Value: v.restoredBy },
    { Key: RESTORE_TAG.restoreId, Value: v.restoreId },
    { Key: RESTORE_TAG.restoredFrom, Value: v.sourceArn },
    { Key: RESTORE_TAG.restoredBackup, Value: v.backupId },
    { Key: RESTORE_TAG.drill, Value: String(v.drill) },
  ];
}

/**
 * The recorded settings a driver needs, parsed with its schema: a missing or malformed one is an
 * InvalidInputError naming `settings.<field>`, before any AWS call.
 */
export function parseRestoreSettings<T extends z.ZodType>(schema: T, settings: unknown, what: string): z.infer<T> {
  const parsed = schema.safeParse(settings);
  if (parsed.success) return parsed.data;
  throw new InvalidInputError(
    parsed.error.issues.map((issue) => ({
      field: ['settings', ...issue.path.map(String)].join('.'),
      message: `${what}: ${issue.message}`,
    })),
  );
}

/**
 * An idempotency token (ClientToken) for one create of a restore: `<restoreId>` or `<restoreId>-<part>`
 * as is when it fits AWS's limit for that call (EC2: 64, DynamoDB ImportTable: 36), else a hash of it,
 * so the same restore and part always give the same token.
 */
export function restoreClientToken(restoreId: string, part: string | number | undefined, max: number): string {
  const token = part === undefined ? restoreId : `${restoreId}-${part}`;
  return token.length <= max ? token : createHash('sha256').update(token).digest('hex').slice(0, max);
}

/** Placement a drill imposes so that what it restores is isolated from the source (an operator's restore leaves it unset). */
export interface RestorePlacement {
  availabilityZone?: string;
  subnetId?: string;
  securityGroupIds?: string[];
  dbSubnetGroupName?: string;
}

export interface RestoreRequest {
  /** Deterministic per restore (the restore execution's name): the idempotency key of every create. */
  restoreId: string;
  /** Where the backup (or its copy) is, and the restored resource will be. */
  region: string;
  /** The source's region, where the recorded settings' zone, subnet and security groups exist. */
  sourceRegion: string;
  /** The backup's ids in that region (a copy's ids in a DR region). */
  backupIds: string[];
  /** The restored resource's name: its identifier (RDS, DynamoDB) or its Name tag (EC2). */
  name: string;
  /** The source's settings recorded when the backup was made; each driver parses its own shape. */
  settings: unknown;
  placement?: RestorePlacement;
  tags: RestoreTagValues;
  /**
   * Records on the restore's record the ids a create is about to make, called right before the create
   * call (a table's name before RestoreTableFromBackup): a start that dies after the call still leaves
   * a record naming what clean-up must find. A driver whose ids exist only once AWS answers skips it.
   */
  recordIntent?: (restoredIds: string[]) => Promise<void>;
}

/**
 * What the restore's plan and record say of it, for check and remove: the tags what it made carries (a
 * DynamoDB table is tagged only once ACTIVE, at a check), its recorded settings, and the proof of
 * origin for an untagged resource (the backups it restored, when it started).
 */
export interface RestoreContext {
  tags: RestoreTagValues;
  settings: unknown;
  backupIds: readonly string[];
  /** The restore's start (its record's startedAt): what it made was created after. */
  startedAt: string;
}

export interface RestoreStarted {
  /** The restored resources' ids (a volume; an instance's volumes; a DB identifier; a table name). */
  restoredIds: string[];
  /** True when an earlier attempt of the same restore had already made them. */
  reused: boolean;
}

export type RestoreCheck =
  | { status: 'RESTORING'; state: string }
  | { status: 'AVAILABLE'; shape: Record<string, string | number | boolean> }
  | { status: 'FAILED'; reason: string };

/**
 * One per (resource type, kind of backup): an EBS volume's snapshot → a volume; an instance's snapshot set →
 * its volumes; its AMI → an instance; an RDS snapshot → a DB instance; a cluster snapshot → a cluster and
 * its writer; a DynamoDB backup → a table; a DynamoDB export → a table through ImportTable. The registry
 * (./index.ts, restoreDriverFor) finds it by the resource's type and the mode it was backed up in.
 */
export interface RestoreDriver {
  readonly type: ResourceType;
  /** The backup modes whose backups it restores (`ami` and `ami-reboot`); absent for a type with one way only. */
  readonly modes?: readonly BackupMode[];
  /**
   * Why the restored resource cannot be named `name` (a DynamoDB table's name must carry the restore
   * mark its IAM is scoped by), or undefined: Plan refuses such a name before anything is made.
   */
  nameProblem?(name: string): string | undefined;
  start(request: RestoreRequest): Promise<RestoreStarted>;
  check(region: string, restoredIds: readonly string[], context?: RestoreContext): Promise<RestoreCheck>;
  /**
   * Deletes what a restore made, only when it carries `restoredBy` (a resource without it is refused,
   * never deleted): `gone` once nothing is left, `deleting` while AWS still removes it.
   */
  remove(
    region: string,
    restoredIds: readonly string[],
    restoredBy: string,
    context?: RestoreContext,
  ): Promise<'deleting' | 'gone'>;
}

/**
 * A region-bound setting (zone, subnet, security groups, DB subnet group) for this restore: the
 * placement's when given; else the recorded one, which holds only in the source's region; in another
 * region (a DR copy) `elsewhere`, the region's default (absent: AWS's own default).
 */
export function placed<T>(
  request: Pick<RestoreRequest, 'region' | 'sourceRegion'>,
  fromPlacement: T | undefined,
  recorded: T | undefined,
  elsewhere?: T,
): T | undefined {
  if (fromPlacement !== undefined) return fromPlacement;
  return request.region === request.sourceRegion ? recorded : elsewhere;
}

/** The zone AWS needs where the recorded one does not exist: the region's first. */
export const firstZone = (region: string): string => `${region}a`;
