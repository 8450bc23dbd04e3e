/**
 * Release the run lock (last task of every run that got past Plan, on success and on the paths to the
 * Fail states): deletes the tier's lock only if this run holds it (shared/workflow/backup/run-lock.ts). A
 * dry run took none. A lock already gone or taken over is no error: `released` says false.
 */
import { z } from 'zod';
import { dynamoDocClient } from '../shared/lambda/clients';
import { baseEnvSchema, loadEnv } from '../shared/lambda/env';
import { defineHandler } from '../shared/lambda/handler';
import { logger } from '../shared/lambda/powertools';
import { RunLockStore } from '../shared/state/run-lock-store';

export const releaseRunLockEventSchema = z.object({
  runId: z.string().min(1),
  tier: z.string().min(1),
  dryRun: z.boolean(),
});

export const handler = defineHandler('release-run-lock', releaseRunLockEventSchema, async (event) => {
  if (event.dryRun) return { released: false };
  const env = loadEnv(baseEnvSchema);
  const released = await new RunLockStore(dynamoDocClient(), env.TABLE_NAME).release(event.tier, event.runId);
  if (!released) logger.warn('the run lock was no longer held by this run', { runId: event.runId, tier: event.tier });
  return { released };
});
