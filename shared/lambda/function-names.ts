/**
 * The pipeline's functions by name: one Lambda per state-machine task, and the scheduled freshness check.
 * A leaf (no imports), so the permission data of every service can name its holders without importing
 * the function environments, which import the configuration.
 */
export const FUNCTION_NAMES = [
  'plan-run',
  'start-backup',
  'check-backup',
  'start-copies',
  'check-copies',
  'record-result',
  'record-failure',
  'summarize-run',
  'list-retention-units',
  'apply-retention',
  'summarize-retention',
  'notify',
  'release-run-lock',
  // The restore workflow (statemachines/restore.asl.json).
  'plan-restore',
  'start-restore',
  'check-restore',
  'validate-restore',
  'clean-up-restore',
  'finish-restore',
  'notify-restores',
] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

export const SCHEDULED_FUNCTION_NAMES = ['check-freshness'] as const;
export type ScheduledFunctionName = (typeof SCHEDULED_FUNCTION_NAMES)[number];
