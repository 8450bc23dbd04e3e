/**
 * A drill's validation (statemachines/restore.asl.json "Validate the restored resource"), as AWS Backup's
 * restore testing validates: once the restored resource is available, its recorded shape is checked
 * (it is there, it is encrypted when its source was, and it is not reachable from the internet), then the
 * validation Lambda the drill configuration names (if any) is invoked with the restored resource and
 * answers `{ "passed": true | false, "message": "..." }`. An error the function throws, or an answer
 * without a boolean `passed`, fails the drill too: a check that cannot say yes is no pass. Whatever the
 * outcome, the drill's clean-up follows.
 */
import { z } from 'zod';
import type { RestoreRecord, RestoreValidation } from '../../state/records';
import type { RestoreStore } from '../../state/restore-store';
import type { RestoreProgress } from './restore';
import type { RestorePlan } from './restore-plan';

/** What the validation Lambda receives. */
export interface ValidationEvent {
  restoreId: string;
  drill: boolean;
  source: { arn: string; type: string; mode: string | null; region: string };
  backupIds: string[];
  restored: { region: string; name: string; ids: string[]; shape: RestoreRecord['shape'] | null };
}

/** The validation Lambda's answer. */
export const validationAnswerSchema = z.object({ passed: z.boolean(), message: z.string().optional() });

/** Invokes the validation function; a function error comes back as `{ functionError }`, not thrown. */
export type ValidationInvoker = (
  functionArn: string,
  event: ValidationEvent,
) => Promise<{ payload: unknown } | { functionError: string }>;

export interface ValidationDeps {
  store: Pick<RestoreStore, 'get' | 'update'>;
  invoke: ValidationInvoker;
  functionArn: string | undefined;
  now: Date;
}

/** What the restored resource's shape says is wrong with it (empty: nothing). */
export function shapeIssues(shape: RestoreRecord['shape'] | undefined, settings: Record<string, unknown>): string[] {
  if (!shape) return ['the restored resource was never described available'];
  const issues: string[] = [];
  if (shape.publiclyAccessible === true) issues.push('it is publicly accessible');
  if (settings.encrypted === true && shape.encrypted === false) issues.push('its source was encrypted and it is not');
  return issues;
}

export async function validateRestore(
  plan: RestorePlan,
  progress: Pick<RestoreProgress, 'restoredIds'>,
  deps: ValidationDeps,
): Promise<Pick<RestoreValidation, 'status' | 'message'>> {
  const record = await deps.store.get(plan.restoreId);
  const issues = shapeIssues(record?.shape, plan.settings);
  let result: Pick<RestoreValidation, 'status' | 'message'>;
  if (issues.length > 0) result = { status: 'FAILED', message: `restored resource check: ${issues.join('; ')}` };
  else if (!deps.functionArn) result = { status: 'PASSED', message: 'available with the recorded shape' };
  else result = await askFunction(deps.functionArn, plan, progress, record, deps.invoke);
  await deps.store.update(plan.restoreId, {
    validation: {
      ...result,
      at: deps.now.toISOString(),
      ...(deps.functionArn && issues.length === 0 ? { functionArn: deps.functionArn } : {}),
    },
  });
  return result;
}

async function askFunction(
  functionArn: string,
  plan: RestorePlan,
  progress: Pick<RestoreProgress, 'restoredIds'>,
  record: RestoreRecord | undefined,
  invoke: ValidationInvoker,
): Promise<Pick<RestoreValidation, 'status' | 'message'>> {
  const answer = await invoke(functionArn, {
    restoreId: plan.restoreId,
    drill: plan.drill,
    source: { arn: plan.arn, type: plan.type, mode: plan.mode, region: plan.sourceRegion },
    backupIds: plan.backupIds,
    restored: { region: plan.region, name: plan.name, ids: progress.restoredIds, shape: record?.shape ?? null },
  });
  if ('functionError' in answer)
    return { status: 'FAILED', message: `validation function failed: ${answer.functionError}` };
  const parsed = validationAnswerSchema.safeParse(answer.payload);
  if (!parsed.success)
    return { status: 'FAILED', message: 'validation function answered without "passed": true or false' };
  const message =
    parsed.data.message ?? (parsed.data.passed ? 'validation function passed it' : 'validation function failed it');
  return { status: parsed.data.passed ? 'PASSED' : 'FAILED', message };
}
