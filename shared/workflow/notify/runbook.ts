/**
 * The runbook's next step for each error a backup or restore can end with (docs/operations.md), as data:
 * `status`, the run report and the notification print the step beside each failure, so an operator acts
 * without looking it up. The first entry whose error matches (and whose pattern, when it has one, matches
 * the reason) applies; an error with no entry gets the general step. The steps for one service's causes
 * are that service's (its catalog's `runbook`). A unit test checks that every named error
 * (shared/errors.ts) has an entry and that docs/operations.md names each one.
 */

import { SERVICE_RUNBOOK, type ServiceRunbookEntry } from '../../services/catalog';

/** An entry: its error, the reasons it narrows to (`copy to <region>`, `timeout`, `start window`), its step. */
export interface RunbookEntry extends ServiceRunbookEntry {
  /** The step for a backup that completed whose copy failed, whatever the copy's error. */
  readonly copy?: true;
}

/** The entries no one service owns: the workflow's own errors and reasons, and each error's catch-all. */
const GENERAL: readonly RunbookEntry[] = [
  {
    error: 'BackupFailed',
    reason: /^copy to /,
    copy: true,
    next: "the backup is kept in its own region; back it up and copy it again under the run's own copy targets and keys with `backup-pipeline start --retry-failed <run> --wait`",
    section: 'Copy limit and failed copies (`copyTo`)',
  },
  {
    error: 'BackupFailed',
    reason: /timeout/,
    next: "the snapshot may still finish (it keeps its expiry tag); raise the tier's deadlineHours for very large sources",
    section: 'A backup failed',
  },
  {
    error: 'BackupFailed',
    next: 're-run the resource (`backup-pipeline start --resource <arn> --wait`); if it fails again, open an AWS support case with the snapshot id',
    section: 'A backup failed',
  },
  {
    error: 'InvalidResourceStateError',
    reason: /start window/,
    next: "nothing was made and the next run tries again; if many fail so, raise the region's pending-snapshot quota or lower mapMaxConcurrency",
    section: 'Pending-snapshot limits and throttling',
  },
  {
    error: 'InvalidResourceStateError',
    next: 'start or repair the resource before the next run, or remove its backup tag while it is parked',
    section: 'A backup failed',
  },
  {
    error: 'ResourceNotFoundError',
    next: 'the resource or its backup is gone: remove its ARN from schedules and inputs (a restore: pick another point)',
    section: 'A backup failed',
  },
  {
    error: 'LimitExceededError',
    next: 'AWS refused until the deadline: raise the pending-snapshot or copy quota, lower mapMaxConcurrency, or split the tier by tag',
    section: 'Pending-snapshot limits and throttling',
  },
  {
    error: 'ThrottledError',
    next: 'AWS throttled past every retry: lower mapMaxConcurrency, then re-run the resource (`backup-pipeline start --resource <arn> --wait`)',
    section: 'Pending-snapshot limits and throttling',
  },
  {
    error: 'InvalidInputError',
    next: 'nothing was created: fix each field the message names (input, schedule, cdk.json or the mode tag) and start again',
    section: 'A backup failed',
  },
  {
    error: 'NameInUseError',
    next: 'nothing was touched: restore again with another --name',
    section: 'Restoring',
  },
  {
    error: 'RegionDiscoveryError',
    next: 'fix access to the region or enable it, or remove it from cdk.json regions and redeploy',
    section: 'A region could not be listed (`RegionDiscoveryError`)',
  },
  {
    error: 'PlanFailed',
    next: 'Plan could not prepare this resource (the reason says why): fix that, then re-run the resource (`backup-pipeline start --resource <arn> --wait`)',
    section: 'A backup failed',
  },
  {
    error: 'Unfinished',
    next: "look at the execution's Map run in the Step Functions console, then re-run the resource (`backup-pipeline start --resource <arn> --wait`)",
    section: 'A backup failed',
  },
  {
    error: 'BackupsFailed',
    next: 'the run failed because resources did: `backup-pipeline status <run>` lists each with its own next step',
    section: 'A backup failed',
  },
  {
    error: 'RetentionFailed',
    next: 'the backups are fine; the expired ones not deleted are retried at the next run (an AMI still using a snapshot: deregister it first)',
    section: 'Retention failed (`RetentionFailed`)',
  },
  {
    error: 'RetentionIncompleteError',
    next: 'the backups are fine; the expired ones not deleted are retried at the next run (an AMI still using a snapshot: deregister it first)',
    section: 'Retention failed (`RetentionFailed`)',
  },
  {
    error: 'NotificationFailed',
    next: "the run's backups are recorded (`backup-pipeline status <run>`); check the topic's and its KMS key's policy for Publish",
    section: 'Every error and its next step',
  },
  {
    error: 'MalformedItemError',
    next: 'a state table item does not match its schema (the message names it and each bad field): fix or delete that item',
    section: 'Every error and its next step',
  },
  {
    error: 'InvalidConfigError',
    next: 'fix each cdk.json key the message names, then synth and deploy again',
    section: 'Every error and its next step',
  },
  {
    error: 'ConfigurationError',
    next: "the function is deployed wrong (its environment, region or a mode's setting, as the message says): fix cdk.json or the deployment and deploy again, then re-run",
    section: 'Every error and its next step',
  },
  {
    error: 'InconsistentStateError',
    next: 'the state table or an AWS answer contradicts itself (the message says what): re-run the resource; if it repeats, open the execution in the Step Functions console and the item it names',
    section: 'Every error and its next step',
  },
  {
    error: 'EventRefusedError',
    next: "EventBridge refused the run's event: the backups are recorded (`backup-pipeline status <run>`); check the bus and its policy",
    section: 'Every error and its next step',
  },
  {
    error: 'RestoreFailed',
    next: 'check the restored resource in the console; delete it by hand if it is stuck',
    section: 'Restoring',
  },
];

/**
 * The runbook, first match wins: the general entries that narrow by reason, then the services' that
 * narrow by reason (catalog order), then the services' catch-alls (of an error only their service ends
 * with), then the general catch-alls. So no catch-all shadows a narrowed entry: one service's catch-all
 * (RDS's QuotaExceededError) never takes another's narrowed cause (ElastiCache's node quota).
 */
export const RUNBOOK: readonly RunbookEntry[] = [
  ...GENERAL.filter((e) => e.reason !== undefined),
  ...SERVICE_RUNBOOK.filter((e) => e.reason !== undefined),
  ...SERVICE_RUNBOOK.filter((e) => e.reason === undefined),
  ...GENERAL.filter((e) => e.reason === undefined),
];

/** For an error no entry names (a Lambda or States.* error): the general step. */
export const DEFAULT_NEXT_STEP =
  'open the execution in the Step Functions console for the failing state, then re-run the resource (`backup-pipeline start --resource <arn> --wait`)';

/**
 * The runbook entry for a recorded failure, or undefined when none names its error. A backup that
 * completed whose copy failed (./outcome.ts) gets the copy's step, whichever error ended the copy.
 */
export function runbookEntry(error: string, reason = '', copyFailed = false): RunbookEntry | undefined {
  if (copyFailed) return RUNBOOK.find((e) => e.copy);
  return RUNBOOK.find((e) => e.error === error && (e.reason === undefined || e.reason.test(reason)));
}

/** What a step names: the failed resource (`<arn>`) and its run (`<run>`). */
export interface StepSubject {
  arn?: string;
  runId?: string;
}

/**
 * The next step for a recorded failure (error name and reason), never empty. The runbook's commands
 * hold `<arn>` and `<run>` (docs/operations.md prints them so); given the resource and run they are
 * filled in, so every view prints a command an operator pastes as it is.
 */
export function nextStep(error: string, reason = '', copyFailed = false, subject: StepSubject = {}): string {
  const step = runbookEntry(error, reason, copyFailed)?.next ?? DEFAULT_NEXT_STEP;
  return step.replaceAll('<arn>', subject.arn ?? '<arn>').replaceAll('<run>', subject.runId ?? '<run>');
}

/** The command that backs up again what a finished run failed to (`start --retry-failed`), as printed after it. */
export function retryFailedCommand(runId: string): string {
  return `backup-pipeline start --retry-failed ${runId} --wait`;
}

/** The line every view ends a failed run's failures with. */
export const retryFailedLine = (runId: string): string => `Retry the failed resources: ${retryFailedCommand(runId)}`;
