/**
 * Live progress of a run (`npm start`, `backup-pipeline start --wait`), from the state table's records:
 * counts that include copying resources (hours of copying are work, not a hang), the slowest resource
 * and an estimate, a phase named as the console names its states (never a raw event type), and colour
 * only on a terminal that wants it. Piped output gets a line only when the counts or the phase change.
 */
import type { ResourceRecord } from '../shared/state/records';
import { humanDuration } from './durations';

export interface ProgressCounts {
  /** Resources the run backs up (SKIPPED ones are not). */
  total: number;
  done: number;
  failed: number;
  /** Creating their backup or copying it: both are in progress. */
  inProgress: number;
  copying: number;
  /** Planned, not started yet (waiting for the Map's concurrency). */
  waiting: number;
}

export function progressCounts(records: readonly ResourceRecord[]): ProgressCounts {
  const selected = records.filter((r) => r.status !== 'SKIPPED');
  const count = (...statuses: ResourceRecord['status'][]) => selected.filter((r) => statuses.includes(r.status)).length;
  return {
    total: selected.length,
    done: count('COMPLETED', 'FAILED'),
    failed: count('FAILED'),
    inProgress: count('CREATING', 'COPYING'),
    copying: count('COPYING'),
    waiting: count('PENDING'),
  };
}

/** The in-progress resource that started first, with how long it has run and what is left of it. */
export interface Slowest {
  resourceId: string;
  type: string;
  status: 'CREATING' | 'COPYING';
  elapsedSeconds: number;
  progress?: number;
  remainingSeconds?: number;
}

/** Below this much reported progress an extrapolation says more about noise than about the backup. */
const MIN_PROGRESS_TO_ESTIMATE = 5;

/**
 * Seconds left of one resource's backup, extrapolated from the progress AWS reports; undefined without
 * enough of it, and while copying (the recorded progress is the backup's, not the copy's).
 */
export function remainingOf(
  r: Pick<ResourceRecord, 'status' | 'startedAt' | 'progress'>,
  now: Date,
): number | undefined {
  if (r.status !== 'CREATING' || !r.startedAt || r.progress === undefined) return undefined;
  if (r.progress < MIN_PROGRESS_TO_ESTIMATE || r.progress >= 100) return undefined;
  const elapsed = Math.max(0, (now.getTime() - Date.parse(r.startedAt)) / 1000);
  return (elapsed * (100 - r.progress)) / r.progress;
}

export function slowestResource(records: readonly ResourceRecord[], now: Date): Slowest | undefined {
  const running = records
    .filter((r) => (r.status === 'CREATING' || r.status === 'COPYING') && r.startedAt)
    .sort((a, b) => (a.startedAt ?? '').localeCompare(b.startedAt ?? '') || a.arn.localeCompare(b.arn));
  const first = running[0];
  if (!first?.startedAt) return undefined;
  const remaining = remainingOf(first, now);
  return {
    resourceId: first.resourceId,
    type: first.type,
    status: first.status as Slowest['status'],
    elapsedSeconds: Math.max(0, (now.getTime() - Date.parse(first.startedAt)) / 1000),
    ...(first.status === 'CREATING' && first.progress !== undefined ? { progress: first.progress } : {}),
    ...(remaining !== undefined ? { remainingSeconds: remaining } : {}),
  };
}

/**
 * Seconds until the last resource finishes, roughly: the longest that any running resource still needs
 * by its reported progress, and for those still waiting, the pace so far (finished per second since
 * the first started). Undefined until there is something to go on.
 */
export function estimateRemaining(records: readonly ResourceRecord[], now: Date): number | undefined {
  const counts = progressCounts(records);
  const running = records.filter((r) => r.status === 'CREATING' || r.status === 'COPYING');
  const perResource = running.map((r) => remainingOf(r, now)).filter((s): s is number => s !== undefined);
  const firstStart = records
    .map((r) => r.startedAt)
    .filter((s): s is string => s !== undefined)
    .sort()[0];
  const pace =
    counts.waiting > 0 && counts.done > 0 && firstStart
      ? (counts.waiting * Math.max(0, (now.getTime() - Date.parse(firstStart)) / 1000)) / counts.done
      : undefined;
  const all = [...perResource, ...(pace !== undefined ? [pace] : [])];
  return all.length > 0 ? Math.max(...all) : undefined;
}

/**
 * The phase an operator reads: the state's name (the ASL names them as sentences, "Plan the run"), a Map
 * iteration as the Map's name, the execution's own events in words; never a raw event type.
 */
export function phaseOf(event: { type?: string; stateName?: string } | undefined): string {
  if (event?.stateName) return event.stateName;
  const type = event?.type ?? '';
  if (type.startsWith('MapIteration') || type.startsWith('MapRun') || type.startsWith('MapState'))
    return 'Back up each resource';
  if (type === 'ExecutionSucceeded') return 'finished';
  if (type === 'ExecutionFailed') return 'failed';
  if (type === 'ExecutionAborted') return 'aborted';
  if (type === 'ExecutionTimedOut') return 'timed out';
  return 'starting';
}

/** Colour only on a terminal, and never with NO_COLOR set (https://no-color.org) or TERM=dumb. */
export function wantsColour(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && !env.NO_COLOR && env.TERM !== 'dumb';
}

type Paint = (code: number, text: string) => string;
const painter =
  (colour: boolean): Paint =>
  (code, text) =>
    colour ? `\x1b[${code}m${text}\x1b[0m` : text;

export interface ProgressView {
  counts: ProgressCounts;
  phase: string;
  slowest?: Slowest;
  remainingSeconds?: number;
  /** A dry run backs nothing up: its resources are planned, never counted. */
  dryRun?: boolean;
  /** `[12:34:56 sim]` or a clock, shown before the counts. */
  clock?: string;
}

/** What a piped progress line is keyed on: it is printed only when this changes. */
export function progressKey(view: Pick<ProgressView, 'counts' | 'phase'>): string {
  const c = view.counts;
  return `${c.total}/${c.done}/${c.failed}/${c.inProgress}/${c.copying}/${view.phase}`;
}

/** `[########------] 5/9 done, 2 in progress (1 copying), 1 failed — Back up each resource; slowest: …` */
export function progressLine(view: ProgressView, colour = false, width = 20): string {
  const paint = painter(colour);
  const c = view.counts;
  const clock = view.clock ? `${paint(2, view.clock)} ` : '';
  // Until Plan has written every item the counts say nothing (`0/0 done`, or a total still growing).
  if (view.phase === 'starting' || view.phase === 'Plan the run') return `${clock}planning the run…`;
  if (c.total === 0) {
    // A run that ended before Plan wrote anything (bad input) planned nothing: it did not find nothing.
    if (['failed', 'aborted', 'timed out'].includes(view.phase))
      return `${clock}the run ${view.phase}: nothing was planned`;
    return `${clock}${view.dryRun ? 'dry run: nothing is backed up' : 'nothing to back up'} — ${view.phase}`;
  }
  const filled = Math.round((c.done / c.total) * width);
  const bar = `[${paint(32, '#'.repeat(filled))}${'-'.repeat(width - filled)}]`;
  const parts = [
    `${c.done}/${c.total} done`,
    c.inProgress ? paint(33, `${c.inProgress} in progress${c.copying ? ` (${c.copying} copying)` : ''}`) : '',
    c.failed ? paint(31, `${c.failed} failed`) : '',
  ].filter(Boolean);
  const s = view.slowest;
  const slowest = s
    ? `; slowest: ${s.resourceId} (${s.type}) ${s.status === 'COPYING' ? 'copying' : 'creating'} ${humanDuration(s.elapsedSeconds)}${s.progress ? `, ${Math.round(s.progress)}%` : ''}`
    : '';
  const eta = view.remainingSeconds !== undefined ? `; ~${humanDuration(view.remainingSeconds)} left` : '';
  return `${clock}${bar} ${parts.join(', ')} — ${view.phase}${slowest}${eta}`;
}

/** The progress of a run's records at `now`, in `phase`. */
export function progressView(
  records: readonly ResourceRecord[],
  now: Date,
  phase: string,
  options: { dryRun: boolean; clock?: string },
): ProgressView {
  const slowest = slowestResource(records, now);
  const remainingSeconds = estimateRemaining(records, now);
  return {
    counts: progressCounts(records),
    phase,
    dryRun: options.dryRun,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(slowest ? { slowest } : {}),
    ...(remainingSeconds !== undefined ? { remainingSeconds } : {}),
  };
}

/**
 * Shows views as they come: on a terminal one line redrawn in place (coloured unless NO_COLOR), piped a
 * line only when the counts or the phase change. `end` closes a redrawn line.
 */
export function progressPrinter(out: NodeJS.WritableStream & { isTTY?: boolean }, options: { inPlace: boolean }) {
  const colour = wantsColour(out);
  let lastKey = '';
  return {
    show(view: ProgressView): void {
      if (options.inPlace) out.write(`\r\x1b[2K${progressLine(view, colour)}`);
      else if (progressKey(view) !== lastKey) out.write(`${progressLine(view)}\n`);
      lastKey = progressKey(view);
    },
    end(): void {
      if (options.inPlace && lastKey) out.write('\n');
    },
  };
}
