/** The real handlers, keyed by function name: what the local runner invokes in-process. */
import { handler as applyRetention } from '../functions/apply-retention';
import { handler as checkBackup } from '../functions/check-backup';
import { handler as checkCopies } from '../functions/check-copies';
import { handler as notify } from '../functions/notify';
import { handler as planRun } from '../functions/plan-run';
import { handler as recordFailure } from '../functions/record-failure';
import { handler as recordResult } from '../functions/record-result';
import { handler as startBackup } from '../functions/start-backup';
import { handler as startCopies } from '../functions/start-copies';
import { handler as summarizeRun } from '../functions/summarize-run';
import type { FunctionName } from '../shared/function-env';

export type LocalHandler = (
  event: unknown,
  context: { invokedFunctionArn: string; awsRequestId: string; functionName: string },
) => Promise<unknown>;

export const HANDLERS: Record<FunctionName, LocalHandler> = {
  'plan-run': planRun,
  'start-backup': startBackup,
  'check-backup': checkBackup,
  'start-copies': startCopies,
  'check-copies': checkCopies,
  'record-result': recordResult,
  'record-failure': recordFailure,
  'summarize-run': summarizeRun,
  notify,
  'apply-retention': applyRetention,
};
