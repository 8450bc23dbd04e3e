/**
 * The per-resource state that travels through the Map's loop (`$.backup`): small, and echoed by every
 * check so the Wait state can read the next wait from it.
 */
import { z } from 'zod';
import { resourceRefSchema } from './resource';

export const backupStateSchema = z.object({
  status: z.enum(['CREATING', 'COMPLETED', 'FAILED']),
  backupIds: z.array(z.string()).min(1),
  startedAt: z.string(),
  deadline: z.string(),
  progress: z.number().min(0).max(100),
  polls: z.number().int().min(0),
  waitSeconds: z.number().int().min(0),
  reason: z.string().nullable(),
});
export type BackupState = z.infer<typeof backupStateSchema>;

export const itemEventSchema = z.object({
  runId: z.string().min(1),
  tier: z.string().min(1),
  expiresAt: z.string().min(1),
  resource: resourceRefSchema,
});

export const checkEventSchema = z.object({
  runId: z.string().min(1),
  resource: resourceRefSchema,
  backup: backupStateSchema,
});
