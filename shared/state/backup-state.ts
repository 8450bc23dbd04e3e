/**
 * The per-resource state that travels through the Map's loop (`$.backup`): small, and echoed by every
 * check so the Wait state can read the next wait from it.
 */
import { z } from 'zod';
import { resourceRefSchema } from '../resource';

/** One destination region's copy of a resource's backup (`copyTo`). */
export const copyStateSchema = z.object({
  region: z.string(),
  /** The copies' ids in that region, in the order of the backup's ids. */
  ids: z.array(z.string()),
  status: z.enum(['COPYING', 'COMPLETED', 'FAILED', 'SKIPPED']),
  reason: z.string().nullable().default(null),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
});
export type CopyState = z.infer<typeof copyStateSchema>;

export const copyTargetSchema = z.object({
  region: z.string(),
  kmsKeyId: z.string().optional(),
  /** RDS option groups of the destination by the source's group (the same name when not mapped). */
  optionGroups: z.record(z.string(), z.string()).optional(),
});
export type CopyTarget = z.infer<typeof copyTargetSchema>;

export const backupStateSchema = z.object({
  /** CREATING → (COPYING →) COMPLETED, or FAILED. */
  status: z.enum(['CREATING', 'COPYING', 'COMPLETED', 'FAILED']),
  backupIds: z.array(z.string()).min(1),
  startedAt: z.string(),
  deadline: z.string(),
  progress: z.number().min(0).max(100),
  polls: z.number().int().min(0),
  waitSeconds: z.number().int().min(0),
  reason: z.string().nullable(),
  copies: z.array(copyStateSchema).optional(),
});
export type BackupState = z.infer<typeof backupStateSchema>;

export const itemEventSchema = z.object({
  runId: z.string().min(1),
  tier: z.string().min(1),
  expiresAt: z.string().min(1),
  resource: resourceRefSchema,
});

/** Start copies / Check copies: the item plus its finished backup and the regions to copy it to. */
export const copyEventSchema = itemEventSchema.extend({
  backup: z.lazy(() => backupStateSchema),
  copyTo: z.array(copyTargetSchema).min(1),
});

export const checkEventSchema = z.object({
  runId: z.string().min(1),
  resource: resourceRefSchema,
  backup: backupStateSchema,
});
