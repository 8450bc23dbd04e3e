/**
 * Ownership tags (DESIGN §5). Every backup the pipeline creates carries them; retention deletes only
 * backups whose managed-by tag names this stack, so these keys are a contract with IAM conditions too.
 */
import { z } from 'zod';

export const TAG_PREFIX = 'backup-pipeline:';
export const TAG = {
  managedBy: `${TAG_PREFIX}managed-by`,
  runId: `${TAG_PREFIX}run-id`,
  tier: `${TAG_PREFIX}tier`,
  source: `${TAG_PREFIX}source`,
  expiresAt: `${TAG_PREFIX}expires-at`,
  /** On a cross-region copy: the region of the backup it was copied from. */
  sourceRegion: `${TAG_PREFIX}source-region`,
  /** On a cross-region copy of an EBS snapshot: the snapshot it was copied from (finds it on a retry). */
  copyOf: `${TAG_PREFIX}copy-of`,
} as const;

/**
 * The managed-by value: the stack name qualified by the stack's home region (`BackupPipeline@eu-west-1`),
 * so two stacks of the same name in two regions, each copying into the other's, never take each other's
 * backups for their own. `@` is allowed in EC2 and RDS tag values.
 */
export function ownerTagValue(stackName: string, homeRegion: string): string {
  return `${stackName}@${homeRegion}`;
}

export interface OwnershipTagValues {
  /** The managed-by value (ownerTagValue: stack name @ home region). */
  stackName: string;
  runId: string;
  tier: string;
  sourceArn: string;
  expiresAt: string;
}

export type Tag = { Key: string; Value: string };

/** AWS's limit of tags per resource (EC2, RDS). */
export const MAX_TAGS_PER_RESOURCE = 50;

/**
 * A tag list as stored in the state table (a source's tags to copy onto its backup, written by Plan
 * and read by Start): validated where it is read, so a malformed item fails there, not at AWS.
 */
export const tagListSchema = z
  .array(z.object({ Key: z.string().min(1).max(128), Value: z.string().max(256) }))
  .max(MAX_TAGS_PER_RESOURCE);

/**
 * A resource's own tags as recorded with its backups (Discovered.resourceTags), so a restore can select
 * an application by tag when the source cannot be asked (its region lost). Bounded as AWS bounds a
 * resource's tags (50; keys of at most 128 characters, values of at most 256); `aws:` keys are AWS's,
 * not the owner's, and are dropped.
 */
export function resourceTagsOf(tags: readonly { Key?: string; Value?: string }[] | undefined): Tag[] {
  const out: Tag[] = [];
  for (const tag of tags ?? []) {
    if (!tag.Key || tag.Value === undefined || tag.Key.startsWith('aws:')) continue;
    if (tag.Key.length > 128 || tag.Value.length > 256) continue;
    if (out.length >= MAX_TAGS_PER_RESOURCE) break;
    out.push({ Key: tag.Key, Value: tag.Value });
  }
  return out;
}

/** `own`, then the keys of `more` that `own` lacks, within resourceTagsOf's bounds. */
export function withTagsOf(own: readonly Tag[] | undefined, more: readonly Tag[] | undefined): Tag[] {
  const keys = new Set((own ?? []).map((t) => t.Key));
  return resourceTagsOf([...(own ?? []), ...(more ?? []).filter((t) => !keys.has(t.Key))]);
}

export function ownershipTags(v: OwnershipTagValues): Tag[] {
  return [
    { Key: TAG.managedBy, Value: v.stackName },
    { Key: TAG.runId, Value: v.runId },
    { Key: TAG.tier, Value: v.tier },
    { Key: TAG.source, Value: v.sourceArn },
    { Key: TAG.expiresAt, Value: v.expiresAt },
  ];
}

/** How many tags ownershipTags puts on every backup: the room left for a source's own is counted from it. */
export const OWNERSHIP_TAG_COUNT = ownershipTags({
  stackName: '',
  runId: '',
  tier: '',
  sourceArn: '',
  expiresAt: '',
}).length;

/** AWS allows 50 tags per resource; `aws:` keys are reserved and ours must not be overwritten. */
export function copyableTags(source: readonly { Key?: string; Value?: string }[] | undefined, room = 45): Tag[] {
  const out: Tag[] = [];
  for (const tag of source ?? []) {
    if (!tag.Key || tag.Value === undefined) continue;
    if (tag.Key.startsWith('aws:') || tag.Key.startsWith(TAG_PREFIX)) continue;
    if (out.length >= room) break;
    out.push({ Key: tag.Key, Value: tag.Value });
  }
  return out;
}

export function tagValue(
  tags: readonly { Key?: string; Value?: string }[] | undefined,
  key: string,
): string | undefined {
  return tags?.find((t) => t.Key === key)?.Value;
}

/** True when a resource carries every wanted tag with the wanted value. */
export function matchesTags(
  tags: readonly { Key?: string; Value?: string }[] | undefined,
  wanted: Record<string, string>,
): boolean {
  return Object.entries(wanted).every(([key, value]) => tagValue(tags, key) === value);
}

/** The expires-at tag as a date; undefined when missing or unreadable (such a backup is always kept). */
export function expiryOf(tags: readonly { Key?: string; Value?: string }[] | undefined): Date | undefined {
  const text = tagValue(tags, TAG.expiresAt);
  const date = text ? new Date(text) : undefined;
  return date && !Number.isNaN(date.getTime()) ? date : undefined;
}

/** What a backup's ownership tags say of it, as retention reads them (OwnedBackup's tag-borne fields). */
export function ownershipOf(tags: readonly { Key?: string; Value?: string }[] | undefined): {
  source: string | undefined;
  tier: string | undefined;
  runId: string | undefined;
  managedBy: string | undefined;
  expiresAt: Date | undefined;
} {
  return {
    source: tagValue(tags, TAG.source),
    tier: tagValue(tags, TAG.tier),
    runId: tagValue(tags, TAG.runId),
    managedBy: tagValue(tags, TAG.managedBy),
    expiresAt: expiryOf(tags),
  };
}

/**
 * Tag prefixes of the services that manage backups of their own (AWS Backup, Data Lifecycle Manager).
 * A backup carrying any of them is theirs, whatever `backup-pipeline:*` tags it also carries (copied
 * from a volume or database restored from one of ours): the stores never list it as ours.
 */
const OTHER_MANAGERS = ['aws:backup:', 'aws:dlm:'];

export function managedByAnotherService(tags: readonly { Key?: string; Value?: string }[] | undefined): boolean {
  return (tags ?? []).some((t) => OTHER_MANAGERS.some((prefix) => t.Key?.startsWith(prefix)));
}

/** Tags every restored resource carries (shared/services/restore.ts): where it came from and who may delete it. */
export const RESTORE_TAG = {
  /** The managed-by value of the stack that restored it (ownerTagValue): cleanup's condition. */
  restoredBy: `${TAG_PREFIX}restored-by`,
  /** The restore's id (its execution name): a retried start finds what an earlier attempt made. */
  restoreId: `${TAG_PREFIX}restore-id`,
  /** The source resource's ARN and the backup restored. */
  restoredFrom: `${TAG_PREFIX}restored-from`,
  restoredBackup: `${TAG_PREFIX}restored-backup`,
  /** `true` on what a drill restored: the drill deletes it, whatever happens. */
  drill: `${TAG_PREFIX}drill`,
} as const;
