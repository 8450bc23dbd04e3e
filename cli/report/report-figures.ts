/**
 * The report's figures, computed from the records alone (no markup): each resource's timeline (queued,
 * creating with its polls, copying, outcome), the span the page draws, and an estimate of the monthly
 * storage cost of the backups the run left, at the catalog's prices.
 */
import { STORAGE_PRICES } from '../../shared/services/catalog';
import type { ResourceRecord, RunRecord } from '../../shared/state/records';
import { backedUp, resourceOutcome } from '../../shared/workflow/backup/outcome';

/** A resource item as the report reads it; its `copies` (DESIGN §4) carry each region's start and finish. */
export type ReportResource = ResourceRecord;

export type SegmentKind = 'queued' | 'creating' | 'copying';

export interface Segment {
  kind: SegmentKind;
  from: number;
  to: number;
}

export interface Timeline {
  segments: Segment[];
  /** Each recorded poll, as epoch milliseconds. */
  polls: number[];
  /** Polls counted but without a recorded time (items keep the first 500, older items none). */
  unmarkedPolls: number;
  outcome?: { kind: 'completed' | 'failed'; at: number };
}

export const ms = (iso: string | undefined): number | undefined => {
  if (iso === undefined) return undefined;
  const value = Date.parse(iso);
  return Number.isFinite(value) ? value : undefined;
};
const defined = <T>(value: T | undefined): value is T => value !== undefined;

/**
 * One resource's row: queued from planning until its start was asked, creating (polls marked) until
 * copies began or it finished, copying until the last copy finished, then the outcome. A resource
 * still in progress runs to `runEnd`, the latest time the report knows of.
 */
export function timelineOf(resource: ReportResource, runEnd: number): Timeline {
  const polls = (resource.pollTimes ?? []).map(ms).filter(defined);
  const unmarkedPolls = Math.max(0, (resource.polls ?? 0) - polls.length);
  if (resource.status === 'SKIPPED') return { segments: [], polls: [], unmarkedPolls: 0 };

  const queued = ms(resource.queuedAt);
  // startRequestedAt is rewritten by every attempt and startedAt set once the backup exists: the
  // earlier of the two is when the resource left the queue.
  const startTimes = [ms(resource.startRequestedAt), ms(resource.startedAt)].filter(defined);
  const started = startTimes.length > 0 ? Math.min(...startTimes) : undefined;
  const finished = ms(resource.finishedAt);
  const copies = resource.copies ?? [];
  const copyStarts = copies.map((c) => ms(c.startedAt)).filter(defined);
  const copyStart = copyStarts.length > 0 ? Math.min(...copyStarts) : undefined;
  const copyEnds = copies.map((c) => ms(c.finishedAt));
  const copyEnd = copyEnds.length > 0 && copyEnds.every(defined) ? Math.max(...copyEnds.filter(defined)) : undefined;

  // Failed without ever starting (Plan refused it): failed where it was queued, not queued until the run ended.
  const end =
    resource.status === 'FAILED' && started === undefined ? (finished ?? queued ?? runEnd) : (finished ?? runEnd);
  const segments: Segment[] = [];
  if (queued !== undefined) segments.push({ kind: 'queued', from: queued, to: started ?? end });
  if (started !== undefined) segments.push({ kind: 'creating', from: started, to: copyStart ?? end });
  if (copyStart !== undefined) segments.push({ kind: 'copying', from: copyStart, to: copyEnd ?? end });

  const timeline: Timeline = {
    segments: segments.map((s) => ({ ...s, to: Math.max(s.from, s.to) })),
    polls,
    unmarkedPolls,
  };
  if (resource.status === 'COMPLETED') timeline.outcome = { kind: 'completed', at: end };
  if (resource.status === 'FAILED') timeline.outcome = { kind: 'failed', at: end };
  return timeline;
}

/** The time span the timeline draws: from the first thing known to the last. */
export function runSpan(run: RunRecord, resources: readonly ReportResource[]): { from: number; to: number } {
  const times = [
    ms(run.startedAt),
    ms(run.finishedAt),
    ...resources.flatMap((r) => [
      ms(r.queuedAt),
      ms(r.startRequestedAt),
      ms(r.startedAt),
      ms(r.lastCheckedAt),
      ms(r.finishedAt),
      ...(r.pollTimes ?? []).map(ms),
      ...(r.copies ?? []).flatMap((c) => [ms(c.startedAt), ms(c.finishedAt)]),
    ]),
  ].filter(defined);
  if (times.length === 0) return { from: 0, to: 1 };
  const from = Math.min(...times);
  const to = run.status === 'RUNNING' ? Math.max(...times) : (ms(run.finishedAt) ?? Math.max(...times));
  return { from, to: Math.max(to, ...times, from + 1) };
}

export interface CostLine {
  backup: string;
  /** Where the backups are stored (a copy is stored, and charged, in its destination region). */
  region: string;
  usdPerGbMonth: number;
  backups: number;
  sizedGiB: number;
  /** Completed backups whose size was not recorded (not in the total). */
  unsized: number;
  usdPerMonth: number;
}

export interface CostEstimate {
  lines: CostLine[];
  totalUsdPerMonth: number;
  /** Completed backups of types without a price here. */
  unpriced: { type: string; backups: number }[];
}

/**
 * Monthly storage of every backup this run left that exists, at full source size: each backup made (one
 * whose copy failed included: it exists in its own region) and each completed copy, in its region.
 */
export function estimateStorageCost(resources: readonly ReportResource[]): CostEstimate {
  const lines = new Map<string, CostLine>();
  const unpriced = new Map<string, number>();
  const add = (r: ReportResource, region: string) => {
    const price = STORAGE_PRICES[r.type];
    if (!price) {
      unpriced.set(r.type, (unpriced.get(r.type) ?? 0) + 1);
      return;
    }
    const key = `${price.backup} ${region}`;
    const line = lines.get(key) ?? {
      backup: price.backup,
      region,
      usdPerGbMonth: price.usdPerGbMonth,
      backups: 0,
      sizedGiB: 0,
      unsized: 0,
      usdPerMonth: 0,
    };
    line.backups += 1;
    if (typeof r.sizeGiB === 'number' && Number.isFinite(r.sizeGiB)) {
      line.sizedGiB += r.sizeGiB;
      line.usdPerMonth += r.sizeGiB * price.usdPerGbMonth;
    } else {
      line.unsized += 1;
    }
    lines.set(key, line);
  };
  for (const r of resources) {
    if (!backedUp(resourceOutcome(r))) continue;
    add(r, r.region);
    for (const copy of r.copies ?? []) if (copy.status === 'COMPLETED') add(r, copy.region);
  }
  const all = [...lines.values()];
  return {
    lines: all,
    totalUsdPerMonth: all.reduce((sum, l) => sum + l.usdPerMonth, 0),
    unpriced: [...unpriced].map(([type, backups]) => ({ type, backups })),
  };
}
