/**
 * What an application's restore achieved (issue #19 item 12, the region-loss game day), from its restore
 * records and what Plan skipped: per wave its restores; the **recovery time**, from the execution's start
 * to the last restore AVAILABLE (the RTO this restore achieved); the **recovery point**, per restore the
 * age of the data it brought back at the execution's start (that start minus the backup's start,
 * `dataAt`: a snapshot holds the data as it was when it was started), and the application's worst (the
 * oldest). It succeeded only when every restore is AVAILABLE and nothing was skipped.
 */
import type { RestoreRecord } from '../../shared/state/records';
import type { SkippedTarget } from '../../shared/workflow/drills/drill-selection';
import { humanDuration } from '../durations';

export interface ApplicationRestoreLine {
  restoreId: string;
  arn: string;
  type: RestoreRecord['type'];
  status: RestoreRecord['status'];
  region: string;
  name: string;
  /** From the execution's start to this restore's AVAILABLE. */
  recoverySeconds?: number;
  /** When its data is from (the backup's start). */
  dataAt?: string;
  /** The age of its data at the execution's start: what this restore's recovery point lost. */
  dataAgeSeconds?: number;
  error?: string;
}

export interface ApplicationSummary {
  waves: { wave: number; restores: ApplicationRestoreLine[] }[];
  /** From the execution's start to the last restore AVAILABLE; undefined when none is. */
  recoverySeconds?: number;
  /** The oldest data restored: its restore and its age (the application's recovery point). */
  recoveryPoint?: { restoreId: string; arn: string; dataAt: string; ageSeconds: number };
  skipped: SkippedTarget[];
  restored: number;
  failed: number;
  /** Every restore AVAILABLE, at least one, and nothing skipped. */
  succeeded: boolean;
}

const seconds = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / 1000;

export function applicationSummary(
  records: readonly RestoreRecord[],
  skipped: readonly SkippedTarget[],
  executionStartedAt: string,
): ApplicationSummary {
  const lines = [...records]
    .sort((a, b) => (a.wave ?? 1) - (b.wave ?? 1) || a.restoreId.localeCompare(b.restoreId, 'en', { numeric: true }))
    .map((r): ApplicationRestoreLine & { wave: number } => ({
      wave: r.wave ?? 1,
      restoreId: r.restoreId,
      arn: r.arn,
      type: r.type,
      status: r.status,
      region: r.region,
      name: r.name,
      ...(r.status === 'AVAILABLE' && r.availableAt
        ? { recoverySeconds: seconds(executionStartedAt, r.availableAt) }
        : {}),
      ...(r.dataAt ? { dataAt: r.dataAt, dataAgeSeconds: seconds(r.dataAt, executionStartedAt) } : {}),
      ...(r.error ? { error: `${r.error.error}: ${r.error.cause}` } : {}),
    }));
  const waves = [...new Set(lines.map((l) => l.wave))].map((wave) => ({
    wave,
    restores: lines.filter((l) => l.wave === wave).map(({ wave: _, ...line }) => line),
  }));
  const available = lines.filter((l) => l.recoverySeconds !== undefined);
  const oldest = lines
    .filter((l) => l.status === 'AVAILABLE' && l.dataAt !== undefined)
    .sort((a, b) => (b.dataAgeSeconds ?? 0) - (a.dataAgeSeconds ?? 0))[0];
  const failed = lines.filter((l) => l.status !== 'AVAILABLE').length;
  return {
    waves,
    ...(available.length > 0 ? { recoverySeconds: Math.max(...available.map((l) => l.recoverySeconds ?? 0)) } : {}),
    ...(oldest?.dataAt
      ? {
          recoveryPoint: {
            restoreId: oldest.restoreId,
            arn: oldest.arn,
            dataAt: oldest.dataAt,
            ageSeconds: oldest.dataAgeSeconds ?? 0,
          },
        }
      : {}),
    skipped: [...skipped],
    restored: available.length,
    failed,
    succeeded: lines.length > 0 && failed === 0 && skipped.length === 0,
  };
}

/** The summary as the CLI prints it after the per-restore lines. */
export function applicationSummaryLines(summary: ApplicationSummary): string[] {
  const out: string[] = [];
  const count = summary.waves.reduce((n, w) => n + w.restores.length, 0);
  out.push(
    `Application restore: ${summary.restored} of ${count} restored in ${summary.waves.length} wave(s)` +
      `${summary.skipped.length ? `, ${summary.skipped.length} not restored` : ''}`,
  );
  for (const wave of summary.waves) {
    out.push(`  wave ${wave.wave}:`);
    for (const r of wave.restores) {
      const took = r.recoverySeconds !== undefined ? ` at ${humanDuration(r.recoverySeconds)}` : '';
      const data = r.dataAt ? `, data from ${r.dataAt} (${humanDuration(r.dataAgeSeconds)} old)` : '';
      out.push(
        `    ${r.restoreId} ${r.type} ${r.status}${took}: ${r.name} in ${r.region}${data}${r.error ? `: ${r.error}` : ''}`,
      );
    }
  }
  out.push(
    `  recovery time:  ${humanDuration(summary.recoverySeconds)} (from the execution's start to the last restore available)`,
  );
  const point = summary.recoveryPoint;
  out.push(
    point
      ? `  recovery point: ${humanDuration(point.ageSeconds)} (the oldest data restored: ${point.arn}, backed up from ${point.dataAt})`
      : '  recovery point: - (nothing restored)',
  );
  for (const s of summary.skipped) out.push(`  not restored: ${s.arn}: ${s.reason}`);
  return out;
}
