/**
 * A dry run read as a plan (`npm start -- --dry-run`, `backup-pipeline start --dry-run`): what would be
 * backed up, where each backup would be copied (region and key), what would be skipped or fail, and
 * what retention would delete. Nothing in it was created or deleted.
 */
import type { ResourceRecord, RunRecord } from '../../shared/state/records';
import { dryRunPlan, wouldBeBackedUp } from '../../shared/workflow/backup/dry-run';
import { middleCut } from './backups';
import { retentionView, TYPE_WIDTH } from './run-views';

// Cut in the middle, as every table's ids are: an RDS name keeps its end.
const pad = (text: string, width: number) => middleCut(text, width).padEnd(width);

const order = (a: ResourceRecord, b: ResourceRecord) =>
  a.type.localeCompare(b.type) || a.region.localeCompare(b.region) || a.resourceId.localeCompare(b.resourceId);

export function dryRunView(run: RunRecord, records: readonly ResourceRecord[]): string {
  const selected = records.filter(wouldBeBackedUp).sort(order);
  const skipped = records.filter((r) => r.status === 'SKIPPED' && !wouldBeBackedUp(r)).sort(order);
  const failing = records.filter((r) => r.status === 'FAILED').sort(order);
  const lines = [
    `Dry run ${run.runId} (${run.tier}): nothing was created, copied or deleted.`,
    '',
    selected.length
      ? `Would back up ${selected.length} resource(s):`
      : 'Would back up nothing: no resource matched the targets.',
  ];
  if (selected.length) {
    lines.push(`  ${pad('RESOURCE', 30)} ${pad('TYPE', 14)} ${pad('REGION', 14)} PLAN`);
    for (const r of selected)
      lines.push(`  ${pad(r.resourceId, 30)} ${pad(r.type, TYPE_WIDTH)} ${pad(r.region, 14)} ${dryRunPlan(r.note)}`);
  }
  if (skipped.length) {
    lines.push('', `Would skip ${skipped.length}:`);
    for (const r of skipped) lines.push(`  - ${r.resourceId} (${r.type}, ${r.region}): ${r.note ?? 'skipped'}`);
  }
  if (failing.length) {
    lines.push('', `Would fail ${failing.length} (a real run fails these at Plan):`);
    for (const r of failing)
      lines.push(`  ✗ ${r.resourceId} (${r.type}, ${r.region}): ${r.error?.cause ?? r.note ?? 'failed'}`);
  }
  lines.push('', retentionView(run));
  return lines.join('\n');
}
