/**
 * Summarize retention (last of the "Apply retention" family). Adds up every pass of every unit from the
 * state table into the run record's retention result and decisions (deletes first, capped) and returns
 * the result Notify reports. After every unit ran: fails with RetentionIncompleteError when any delete
 * failed or any unit's child execution failed (the Map tolerates it, so that every other unit finishes and
 * is counted), naming the unit, so the run ends RetentionFailed (what was left is retried next run).
 */
import { z } from 'zod';
import { dynamoDocClient } from '../shared/lambda/clients';
import { baseEnvSchema, loadEnv } from '../shared/lambda/env';
import { defineHandler } from '../shared/lambda/handler';
import { metrics } from '../shared/lambda/powertools';
import { RetentionLedger } from '../shared/state/retention-ledger';
import { StateStore } from '../shared/state/store';
import { summarizeRetention } from '../shared/workflow/retention/retention-summary';

export const summarizeRetentionEventSchema = z.object({
  runId: z.string().min(1),
  dryRun: z.boolean(),
  /** Plan retention's units (bounded by regions × services); only their keys are read. */
  units: z.array(z.object({ key: z.string().min(1) })),
});

export const handler = defineHandler('summarize-retention', summarizeRetentionEventSchema, async (event) => {
  const env = loadEnv(baseEnvSchema);
  const result = await summarizeRetention({
    runId: event.runId,
    dryRun: event.dryRun,
    units: event.units.map((unit) => unit.key),
    ledger: new RetentionLedger(dynamoDocClient(), env.TABLE_NAME),
    store: new StateStore(dynamoDocClient(), env.TABLE_NAME),
  });
  metrics.addMetric('SnapshotsDeleted', 'Count', result.deleted);
  return result;
});
