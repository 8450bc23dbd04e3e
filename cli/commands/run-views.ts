/** Plain-text and JSON views of runs for the operator CLI (status, runs, start --wait). */
import type { ResourceRecord, RunRecord } from '../../shared/state-store';

const pad = (text: string, width: number) =>
  text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width);

export function humanDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '-';
  if (seconds < 90) return `${Math.round(seconds)}s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)}m`;
  return `${(seconds / 3600).toFixed(1)}h`;
}

export function tookSeconds(r: ResourceRecord): number | undefined {
  return r.startedAt && r.finishedAt
    ? (new Date(r.finishedAt).getTime() - new Date(r.startedAt).getTime()) / 1000
    : undefined;
}

/** Per-resource table: status, backup ids, polls, duration, and the error or note. */
export function resourceTable(records: readonly ResourceRecord[]): string {
  const header = `${pad('RESOURCE', 30)} ${pad('TYPE', 13)} ${pad('STATUS', 10)} ${pad('BACKUP', 40)} ${'POLLS'.padStart(5)} ${'TOOK'.padStart(6)}`;
  const rows = [...records]
    .sort((a, b) => a.type.localeCompare(b.type) || a.resourceId.localeCompare(b.resourceId))
    .map((r) => {
      const backup = r.backupIds?.length
        ? `${r.backupIds[0]}${r.backupIds.length > 1 ? ` +${r.backupIds.length - 1}` : ''}`
        : (r.note ?? r.error?.cause ?? '-');
      return `${pad(r.resourceId, 30)} ${pad(r.type, 13)} ${pad(r.status, 10)} ${pad(backup, 40)} ${String(r.polls ?? 0).padStart(5)} ${humanDuration(tookSeconds(r)).padStart(6)}`;
    });
  const failures = records
    .filter((r) => r.status === 'FAILED')
    .map((r) => `  ✗ ${r.resourceId}: ${r.error?.error ?? 'Failed'}: ${r.error?.cause ?? r.note ?? ''}`);
  return [header, ...rows, ...(failures.length ? ['', 'Failures:', ...failures] : [])].join('\n');
}

export function runsTable(runs: readonly RunRecord[]): string {
  const header = `${pad('RUN', 40)} ${pad('TIER', 8)} ${pad('STATUS', 10)} ${pad('STARTED', 20)} ${'OK'.padStart(5)} ${'FAILED'.padStart(6)} ${'SKIPPED'.padStart(7)}`;
  const rows = runs.map(
    (r) =>
      `${pad(r.runId, 40)} ${pad(r.tier, 8)} ${pad(r.status, 10)} ${pad(r.startedAt.slice(0, 19).replace('T', ' '), 20)} ${String(r.counts?.completed ?? '-').padStart(5)} ${String(r.counts?.failed ?? '-').padStart(6)} ${String(r.counts?.skipped ?? '-').padStart(7)}`,
  );
  return [header, ...rows].join('\n');
}

export function resourceJson(r: ResourceRecord) {
  return {
    arn: r.arn,
    type: r.type,
    status: r.status,
    backupIds: r.backupIds ?? [],
    polls: r.polls ?? 0,
    queuedAt: r.queuedAt,
    startedAt: r.startedAt ?? null,
    finishedAt: r.finishedAt ?? null,
    durationSeconds: tookSeconds(r) ?? null,
    note: r.note ?? null,
    error: r.error ?? null,
  };
}

/** `[########------] 5/9 done, 1 failed` */
export function progressBar(records: readonly ResourceRecord[], width = 24): string {
  const selected = records.filter((r) => r.status !== 'SKIPPED');
  const done = selected.filter((r) => r.status === 'COMPLETED' || r.status === 'FAILED').length;
  const failed = selected.filter((r) => r.status === 'FAILED').length;
  const filled = selected.length === 0 ? 0 : Math.round((done / selected.length) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${selected.length} done${failed ? `, ${failed} failed` : ''}`;
}
