/**
 * Summarize retention (last of the "Apply retention" family). Adds up every pass of every unit from the
 * state table into the run record's retention result and decisions (deletes first, capped) and returns
 * the result Notify reports. After every unit ran: fails with RetentionIncompleteError when any delete
 * failed, so the run ends RetentionFailed (the failed backups are retried next run).
 */
import { z } from 'zod';
import { dynamoDocClient } from '../shared/lambda/clients';
import { baseEnvSchema, loadEnv } from '../shared/lambda/env';
import { defineHandler } from '../shared/lambda/handler';
import { metrics } from '../shared/lambda/powertools';
import { RetentionLedger } from '../shared/state/retention-ledger';
import { StateStore } from '../shared/state/store';
import { summarizeRetention } from '../shared/workflow/retention-summary';

export const summarizeRetentionEventSchema = z.object({ runId: z.string().min(1), dryRun: z.boolean() });

export const handler = defineHandler('summarize-retention', summarizeRetentionEventSchema, async (event) => {
  const env = loadEnv(baseEnvSchema);
  const result = await summarizeRetention({
    runId: event.runId,
    dryRun: event.dryRun,
    ledger: new RetentionLedger(dynamoDocClient(), env.TABLE_NAME),
    store: new StateStore(dynamoDocClient(), env.TABLE_NAME),
  });
  metrics.addMetric('SnapshotsDeleted', 'Count', result.deleted);
  return result;
});
