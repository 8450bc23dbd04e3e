/**
 * The real handlers from source, keyed by function name: what `npm start` invokes in-process. Each is
 * called through Lambda's calling convention with its deployed limits (local/lambda-runtime.ts), so a
 * response over 6 MB or a run past its Timeout fails here as in AWS. The artifact scenario swaps in
 * the deployed bundles instead (local/artifact.ts).
 */
import { handler as applyRetention } from '../functions/apply-retention';
import { handler as checkBackup } from '../functions/check-backup';
import { handler as checkCopies } from '../functions/check-copies';
import { handler as checkRestore } from '../functions/check-restore';
import { handler as cleanUpRestore } from '../functions/clean-up-restore';
import { handler as finishRestore } from '../functions/finish-restore';
import { handler as listRetentionUnits } from '../functions/list-retention-units';
import { handler as notify } from '../functions/notify';
import { handler as notifyRestores } from '../functions/notify-restores';
import { handler as planRestore } from '../functions/plan-restore';
import { handler as planRun } from '../functions/plan-run';
import { handler as recordFailure } from '../functions/record-failure';
import { handler as recordResult } from '../functions/record-result';
import { handler as releaseRunLock } from '../functions/release-run-lock';
import { handler as startBackup } from '../functions/start-backup';
import { handler as startCopies } from '../functions/start-copies';
import { handler as startRestore } from '../functions/start-restore';
import { handler as summarizeRetention } from '../functions/summarize-retention';
import { handler as summarizeRun } from '../functions/summarize-run';
import { handler as validateRestore } from '../functions/validate-restore';
import { FUNCTION_LIMITS, FUNCTION_NAMES, type FunctionName } from '../shared/lambda/function-env';
import { type InvocationContext, invokeAsLambda, type LambdaHandler } from './lambda-runtime';

export type LocalHandler = (event: unknown, context: InvocationContext) => Promise<unknown>;

const SOURCE: Record<FunctionName, LambdaHandler> = {
  'plan-run': planRun,
  'start-backup': startBackup,
  'check-backup': checkBackup,
  'start-copies': startCopies,
  'check-copies': checkCopies,
  'record-result': recordResult,
  'record-failure': recordFailure,
  'summarize-run': summarizeRun,
  'list-retention-units': listRetentionUnits,
  'apply-retention': applyRetention,
  'summarize-retention': summarizeRetention,
  notify,
  'release-run-lock': releaseRunLock,
  'plan-restore': planRestore,
  'start-restore': startRestore,
  'check-restore': checkRestore,
  'clean-up-restore': cleanUpRestore,
  'validate-restore': validateRestore,
  'finish-restore': finishRestore,
  'notify-restores': notifyRestores,
};

export const HANDLERS = Object.fromEntries(
  FUNCTION_NAMES.map((name) => [name, invokeAsLambda(SOURCE[name], FUNCTION_LIMITS[name])]),
) as Record<FunctionName, LocalHandler>;
