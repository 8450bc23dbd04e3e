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

/**
 * Below this much reported progress an extrapolation says more about noise than about the backup
 * (the slowest resource's own figure).
 */
const MIN_PROGRESS_TO_EXTRAPOLATE = 5;

/**
 * Seconds left of one resource's backup, extrapolated from the progress AWS reports; undefined without
 * enough of it, and while copying (the recorded progress is the backup's, not the copy's).
 */
export function remainingOf(
  r: Pick<ResourceRecord, 'status' | 'startedAt' | 'progress'>,
  now: Date,
  minProgress = MIN_PROGRESS_TO_EXTRAPOLATE,
): number | undefined {
  if (r.status !== 'CREATING' || !r.startedAt || r.progress === undefined) return undefined;
  if (r.progress < minProgress || r.progress >= 100) return undefined;
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
 * The estimate's reliability rule (docs/operations.md, "Progress"). A run's end is the end of its
 * longest backup, and that is the one we know least about: AWS's reported progress races through a
 * snapshot's first blocks and crawls in the middle (local/model/core.ts reportedProgress), DynamoDB
 * exports report none, and a copy reports nothing of its own. An estimate taken from the quick resources
 * said "~3m left" nine hours before the end. So the estimate is shown only when
 *  - at least MIN_DONE_FRACTION of the resources finished: the pace of those still waiting is then
 *    measured over a real share of the run, not guessed from the first few;
 *  - every resource in progress is creating its backup and has reported at least
 *    MIN_PROGRESS_TO_ESTIMATE: past its first third the reported rate is steady enough to extrapolate,
 *    while one copying, one without progress, or one early in a long snapshot may hold most of the time
 *    left, and then no estimate is better than a short one.
 */
export const MIN_DONE_FRACTION = 0.25;
export const MIN_PROGRESS_TO_ESTIMATE = 33;

/**
 * Seconds until the last resource finishes, roughly: the longest that any running resource still needs
 * by its reported progress, and for those still waiting, the pace so far (finished per second since
 * the first started). Undefined unless reliable by the rule above.
 */
export function estimateRemaining(records: readonly ResourceRecord[], now: Date): number | undefined {
  const counts = progressCounts(records);
  if (counts.total === 0 || counts.done < MIN_DONE_FRACTION * counts.total) return undefined;
  const running = records.filter((r) => r.status === 'CREATING' || r.status === 'COPYING');
  const perResource = running.map((r) => remainingOf(r, now, MIN_PROGRESS_TO_ESTIMATE));
  if (perResource.some((s) => s === undefined)) return undefined;
  const firstStart = records
    .map((r) => r.startedAt)
    .filter((s): s is string => s !== undefined)
    .sort()[0];
  const pace =
    counts.waiting > 0 && counts.done > 0 && firstStart
      ? (counts.waiting * Math.max(0, (now.getTime() - Date.parse(firstStart)) / 1000)) / counts.done
      : undefined;
  const all = [...(perResource as number[]), ...(pace !== undefined ? [pace] : [])];
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

/**
 * Whether the line is redrawn in place: a terminal that understands it. TERM=dumb names one that does
 * not (Emacs shells, some CI logs): it gets plain lines, as a pipe does, without a single escape code.
 */
export function redrawsInPlace(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && env.TERM !== 'dumb';
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
/** The phases before the Map: the CLI's own before the first event, then Plan's. */
const planning = (phase: string) => phase === 'starting' || phase === 'Plan the run';

export function progressKey(view: Pick<ProgressView, 'counts' | 'phase'>): string {
  // Before the Map every view draws the same line (progressLine), whatever the counts: one key, one line.
  if (planning(view.phase)) return 'planning';
  const c = view.counts;
  return `${c.total}/${c.done}/${c.failed}/${c.inProgress}/${c.copying}/${view.phase}`;
}

/** Escape sequences (colours, line clears): they take no column on the screen. */
const ESCAPES = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*[A-Za-z]`, 'g');

/** Columns a line takes on the screen: its characters less its escape sequences. */
export function visibleLength(text: string): number {
  return text.replace(ESCAPES, '').length;
}

/** Cut to `width` columns with an ellipsis (a plain line: colour codes are never cut in two). */
const cut = (text: string, width: number) => (text.length > width ? `${text.slice(0, Math.max(0, width - 1))}…` : text);

/**
 * `[########------] 5/9 done, 2 in progress (1 copying), 1 failed — Back up each resource; slowest: …; ~3m left`,
 * in at most `maxWidth` columns: what does not fit goes first (the slowest resource's type and figures,
 * then the slowest resource, a narrower bar, no bar, the phase, the estimate), so the counts stay; a
 * terminal narrower still gets the plain line cut short.
 */
export function progressLine(view: ProgressView, colour = false, maxWidth = Number.POSITIVE_INFINITY): string {
  const paint = painter(colour);
  const c = view.counts;
  const clock = view.clock ? `${paint(2, view.clock)} ` : '';
  const fits = (text: string) => visibleLength(text) <= maxWidth;
  const within = (text: string) => (fits(text) ? text : cut(text.replace(ESCAPES, ''), maxWidth));
  // Until Plan has written every item the counts say nothing (`0/0 done`, or a total still growing).
  if (planning(view.phase)) return within(`${clock}planning the run…`);
  if (c.total === 0) {
    // A run that ended before Plan wrote anything (bad input) planned nothing: it did not find nothing.
    if (['failed', 'aborted', 'timed out'].includes(view.phase))
      return within(`${clock}the run ${view.phase}: nothing was planned`);
    return within(`${clock}${view.dryRun ? 'dry run: nothing is backed up' : 'nothing to back up'} — ${view.phase}`);
  }
  const bar = (width: number) => {
    if (width === 0) return '';
    const filled = Math.round((c.done / c.total) * width);
    return `[${paint(32, '#'.repeat(filled))}${'-'.repeat(width - filled)}] `;
  };
  const parts = [
    `${c.done}/${c.total} done`,
    c.inProgress ? paint(33, `${c.inProgress} in progress${c.copying ? ` (${c.copying} copying)` : ''}`) : '',
    c.failed ? paint(31, `${c.failed} failed`) : '',
  ].filter(Boolean);
  const s = view.slowest;
  const slowest = (detail: 'full' | 'short' | 'none') =>
    s && detail !== 'none'
      ? `; slowest: ${s.resourceId}${
          detail === 'full'
            ? ` (${s.type}) ${s.status === 'COPYING' ? 'copying' : 'creating'} ${humanDuration(s.elapsedSeconds)}${s.progress ? `, ${Math.round(s.progress)}%` : ''}`
            : ` ${humanDuration(s.elapsedSeconds)}`
        }`
      : '';
  const eta = view.remainingSeconds !== undefined ? `; ~${humanDuration(view.remainingSeconds)} left` : '';
  const line = (barWidth: number, detail: 'full' | 'short' | 'none', withPhase: boolean, withEta: boolean) =>
    `${clock}${bar(barWidth)}${parts.join(', ')}${withPhase ? ` — ${view.phase}` : ''}${slowest(detail)}${withEta ? eta : ''}`;
  const candidates = [
    line(20, 'full', true, true),
    line(20, 'short', true, true),
    line(20, 'none', true, true),
    line(10, 'none', true, true),
    line(0, 'none', true, true),
    line(0, 'none', false, true),
    line(0, 'none', false, false),
  ];
  return within(candidates.find(fits) ?? (candidates.at(-1) as string));
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
 * Shows views as they come: on a terminal one line redrawn in place (coloured unless NO_COLOR), piped or
 * on TERM=dumb a plain line only when the counts or the phase change. Where the terminal's width is known
 * no line takes more than one column less than it: a line that reached the last column would wrap (or
 * leave the cursor pending a wrap) on some terminals, and the next redraw would leave its start behind.
 * `end` closes a redrawn line.
 */
export function progressPrinter(
  out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number },
  options: { inPlace: boolean; env?: NodeJS.ProcessEnv },
) {
  const env = options.env ?? process.env;
  const inPlace = options.inPlace && env.TERM !== 'dumb';
  const colour = wantsColour(out, env);
  const maxWidth = () => (out.columns && out.columns > 1 ? out.columns - 1 : Number.POSITIVE_INFINITY);
  let lastKey = '';
  return {
    show(view: ProgressView): void {
      if (inPlace) out.write(`\r\x1b[2K${progressLine(view, colour, maxWidth())}`);
      else if (progressKey(view) !== lastKey) out.write(`${progressLine(view, false, maxWidth())}\n`);
      lastKey = progressKey(view);
    },
    end(): void {
      if (inPlace && lastKey) out.write('\n');
    },
  };
}
