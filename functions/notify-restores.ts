/**
 * Notify (after every restore of the execution is recorded): one SNS message for the execution, read
 * from the records (a drill's restores in one report, failures first, and what it could not restore),
 * and whether all of them succeeded, for the state machine's final Choice.
 */
import { z } from 'zod';
import { dynamoDocClient, snsClient } from '../shared/lambda/clients';
import { loadEnv, notifyRestoresEnvSchema } from '../shared/lambda/env';
import { defineHandler } from '../shared/lambda/handler';
import type { RestoreRecord } from '../shared/state/records';
import { RestoreStore } from '../shared/state/restore-store';
import { restoreSucceeded } from '../shared/workflow/restore/restore';
import { publishRestores } from '../shared/workflow/restore/restore-deps';

const finishedSchema = z.object({ restoreId: z.string().min(1) }).passthrough();

export const notifyRestoresEventSchema = z.object({
  /** What each wave's Map returned (one list per wave), or a flat list: every restore of the execution. */
  restores: z
    .array(z.union([finishedSchema, z.array(finishedSchema)]))
    .transform((items) => items.flatMap((item) => (Array.isArray(item) ? item : [item]))),
  skipped: z.array(z.object({ arn: z.string(), reason: z.string() })).default([]),
  drill: z.boolean(),
  executionName: z.string().min(1),
});

export const handler = defineHandler('notify-restores', notifyRestoresEventSchema, async (event) => {
  const env = loadEnv(notifyRestoresEnvSchema);
  const store = new RestoreStore(dynamoDocClient(), env.TABLE_NAME);
  const records: RestoreRecord[] = [];
  for (const { restoreId } of event.restores) {
    const record = await store.get(restoreId);
    if (record) records.push(record);
  }
  await publishRestores(records, event.skipped, {
    sns: snsClient(),
    topicArn: env.TOPIC_ARN,
    stackName: env.STACK_NAME,
    executionName: event.executionName,
    drill: event.drill,
  });
  const failed = records.filter((r) => !restoreSucceeded(r)).map((r) => r.restoreId);
  // A resource a drill could not restore fails it. A drill with nothing to restore (the tier protects no
  // resource with a completed backup yet, as right after a deploy) passes and says so: the per-type drill
  // alarms page for protected types that go undrilled.
  const succeeded = failed.length === 0 && event.skipped.length === 0 && records.length === event.restores.length;
  return { succeeded, restores: records.map((r) => r.restoreId), failed };
});
