/**
 * Durations as the operator CLI shows them, in the terminal views (cli/commands/) and the HTML run
 * report (cli/report/) alike, so the same run reads the same in both.
 */
import type { ResourceRecord } from '../shared/state/records';

/** `45s`, `12m`, `3.5h`; `-` when unknown. */
export function humanDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '-';
  if (seconds < 90) return `${Math.round(seconds)}s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)}m`;
  return `${(seconds / 3600).toFixed(1)}h`;
}

/** How long a resource's backup took, start to finish; undefined while it has not finished. */
export function tookSeconds(r: ResourceRecord): number | undefined {
  return r.startedAt && r.finishedAt
    ? (new Date(r.finishedAt).getTime() - new Date(r.startedAt).getTime()) / 1000
    : undefined;
}
