/**
 * The run report (`backup-pipeline report`): one self-contained HTML page from the state table's run
 * record and resource items. Pure: no I/O, no clock (the caller passes the generation time), so the
 * same records always give the same page and tests need no AWS.
 *
 * Self-contained means inline CSS only: no scripts, fonts, images or links it must load, so the file
 * can be mailed, attached to a ticket or opened offline. Every value from the table (resource ids,
 * error messages, the run's reason) is escaped by the `html` template below, and a Content Security
 * Policy forbids scripts as a second line of defence.
 */

import { parseResourceArn } from '../../shared/resource';
import { STORAGE_PRICES } from '../../shared/services/catalog';
import type { RestoreRecord, RunCounts, RunRecord } from '../../shared/state/records';
import { backedUp, COPY_FAILED_MEANING, outcomeLabel, resourceOutcome } from '../../shared/workflow/backup/outcome';
import { summarize } from '../../shared/workflow/backup/summary';
import {
  type DrillSummary,
  drillOutcome,
  drillSummary,
  type RestoreOutcome,
  restoreOutcome,
} from '../../shared/workflow/drills/drill-summary';
import { consoleLink } from '../../shared/workflow/notify/notification';
import { retryFailedCommand, retryFailedLine } from '../../shared/workflow/notify/runbook';
import { humanDuration, tookSeconds } from '../durations';
import { Html, html } from './html';
import { estimateStorageCost, ms, type ReportResource, runSpan, timelineOf } from './report-figures';
import { type RestoreWindow, restoresInWindow, startedBeforeEnd } from './restore-window';

export type { ReportResource };

/** "EBS snapshot $0.05 and RDS snapshot $0.095": each kind of backup priced, once, as the catalog lists them. */
function pricesUsed(): string {
  const kinds = new Map(Object.values(STORAGE_PRICES).map((p) => [p.backup, p.usdPerGbMonth]));
  const named = [...kinds].map(([backup, usd]) => `${backup} ${price(usd)}`);
  return named.length > 1 ? `${named.slice(0, -1).join(', ')} and ${named.at(-1)}` : (named[0] ?? 'none');
}

/**
 * The restores the report knows of: the window it shows (cli/report/restore-window.ts) and the newest
 * restores that started before the window's end, read as `status --rto` reads them, so the per-type
 * drill lines are `status --rto`'s as of the window's end. Without it the page has no restores section.
 */
export interface ReportRestores {
  window: RestoreWindow;
  records: readonly RestoreRecord[];
}

export interface ReportInput {
  run: RunRecord;
  resources: readonly ReportResource[];
  generatedAt: Date;
  restores?: ReportRestores;
}

/**
 * A runbook step as the page shows it: its commands, written between backticks in the runbook
 * (shared/workflow/notify/runbook.ts), as code an operator copies, not as literal backticks.
 */
function stepHtml(step: string): Html {
  return html`${step.split('`').map((part, i) => (i % 2 === 1 ? html`<code>${part}</code>` : part))}`;
}

/** The timeline's colours; the e2e test looks for the outcome colours in the rendered screenshot. */
export const COLORS = {
  queued: '#afb8c1',
  creating: '#0969da',
  copying: '#8250df',
  poll: '#0a1f44',
  completed: '#1a7f37',
  failed: '#cf222e',
  copyFailed: '#bc4c00',
  running: '#bf8700',
  skipped: '#6e7781',
} as const;

// ---- page ---------------------------------------------------------------------------------------

const usd = (value: number) => `$${value.toFixed(2)}`;
const price = (value: number) => `$${value.toFixed(3).replace(/0$/, '')}`;
const when = (iso: string | undefined) => (iso ? `${iso.slice(0, 19).replace('T', ' ')} UTC` : '-');
const pct = (value: number, span: { from: number; to: number }) =>
  (((value - span.from) / (span.to - span.from)) * 100).toFixed(3);

/** Only a well-formed Step Functions execution ARN becomes a link (the href is built from it). */
const EXECUTION_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[^:\s]+:[^:\s]+$/;

function axisLabel(value: number, span: { from: number; to: number }): string {
  const iso = new Date(value).toISOString();
  const sameDay = new Date(span.from).toISOString().slice(0, 10) === new Date(span.to).toISOString().slice(0, 10);
  return sameDay ? iso.slice(11, 19) : `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
}

/**
 * The run's figures, counted from its resources by Summarize's rules (a backup whose copy failed apart
 * from a failed one) while they are there; the recorded counts only when there is nothing to count from.
 */
function countsOf(run: RunRecord, resources: readonly ReportResource[]): Required<RunCounts> {
  if (resources.length === 0 && run.counts) return { copyFailed: 0, ...run.counts };
  const s = summarize(resources);
  return {
    total: s.total,
    completed: s.completed,
    failed: s.failed,
    copyFailed: s.copyFailed,
    skipped: s.skipped,
    unfinished: s.unfinished,
  };
}

function statusPill(status: string): Html {
  const kind =
    status === 'COMPLETED' || status === 'SUCCEEDED'
      ? 'completed'
      : status === 'FAILED'
        ? 'failed'
        : status === 'COPY FAILED'
          ? 'copy-failed'
          : status === 'SKIPPED'
            ? 'skipped'
            : 'running';
  return html`<span class="pill ${kind}">${status}</span>`;
}

/**
 * One resource's backups as an operator restores them: its backup ids, their expiry and each copy's
 * region, ids and status (the reason when it was not copied).
 */
function backupRow(r: ReportResource, expiresAt: string): Html {
  const ids = r.backupIds ?? [];
  const made = backedUp(resourceOutcome(r));
  const copies = (r.copies ?? []).map(
    (c) =>
      html`<div class="copy" data-status="${c.status}"><span class="region">${c.region}</span> ${c.ids.length ? c.ids.join(', ') : '-'} <span class="sub">${c.status.toLowerCase()}${c.reason && c.status !== 'COMPLETED' ? `: ${c.reason}` : ''}</span></div>`,
  );
  return html`<tr class="backup" data-outcome="${resourceOutcome(r)}">
  <td class="res"><div class="id">${r.resourceId}</div><div class="sub">${r.type}</div></td>
  <td class="region">${r.region}</td>
  <td>${statusPill(outcomeLabel(r))}</td>
  <td class="ids">${ids.length ? ids.map((id) => html`<div class="backup-id">${id}</div>`) : '-'}${ids.length && !made ? html`<div class="sub">not completed</div>` : ''}</td>
  <td class="expires">${made && ids.length ? when(expiresAt) : '-'}</td>
  <td class="copies">${copies.length ? copies : html`<span class="sub">none asked</span>`}</td>
</tr>`;
}

function timelineRow(r: ReportResource, span: { from: number; to: number }): Html {
  const t = timelineOf(r, span.to);
  const segments = t.segments.map(
    (s) =>
      html`<div class="seg ${s.kind}" style="left:${pct(s.from, span)}%;width:${(Number(pct(s.to, span)) - Number(pct(s.from, span))).toFixed(3)}%" title="${s.kind} ${when(new Date(s.from).toISOString())} to ${when(new Date(s.to).toISOString())}"></div>`,
  );
  const ticks = t.polls.map(
    (p, i) =>
      html`<div class="tick" style="left:${pct(p, span)}%" title="poll ${i + 1} at ${when(new Date(p).toISOString())}"></div>`,
  );
  const outcome = t.outcome
    ? html`<div class="end ${t.outcome.kind}" style="left:max(14px, ${pct(t.outcome.at, span)}%)" title="${t.outcome.kind} ${when(new Date(t.outcome.at).toISOString())}"></div>`
    : '';
  const track =
    r.status === 'SKIPPED'
      ? html`<div class="note">skipped: ${r.note ?? 'no reason recorded'}</div>`
      : html`<div class="track">${segments}${ticks}${outcome}</div>`;
  const polls = `${r.polls ?? 0}${t.unmarkedPolls > 0 ? ` (${t.unmarkedPolls} unmarked)` : ''}`;
  return html`<tr class="row" data-status="${r.status}">
  <td class="res"><div class="id">${r.resourceId}</div><div class="sub">${r.type}</div></td>
  <td class="region">${r.region}</td>
  <td>${statusPill(outcomeLabel(r))}</td>
  <td class="lane">${track}</td>
  <td class="num">${polls}</td>
  <td class="num">${humanDuration(tookSeconds(r))}</td>
  <td class="num">${typeof r.sizeGiB === 'number' ? `${r.sizeGiB} GiB` : 'size unknown'}</td>
</tr>`;
}

function axis(span: { from: number; to: number }): Html {
  const marks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const at = span.from + f * (span.to - span.from);
    const align = f === 0 ? 'start' : f === 1 ? 'finish' : 'mid';
    return html`<span class="mark ${align}" style="left:${(f * 100).toFixed(0)}%">${axisLabel(at, span)}</span>`;
  });
  return html`<div class="axis">${marks}</div>`;
}

// ---- restores and drills -----------------------------------------------------------------------

const shortName = (arn: string) => {
  const parsed = parseResourceArn(arn);
  return parsed.ok ? parsed.ref.id : (arn.split(/[/:]/).at(-1) ?? arn);
};

function restorePill(status: string, kind: RestoreOutcome | 'completed'): Html {
  return html`<span class="pill ${kind === 'passed' ? 'completed' : kind}">${status}</span>`;
}

function cleanupCell(r: RestoreRecord): Html | string {
  if (!r.drill) return html`<span class="sub">none (kept)</span>`;
  if (!r.cleanup)
    return r.finishedAt ? html`<span class="sub">not recorded</span>` : html`<span class="sub">pending</span>`;
  return r.cleanup.status === 'DELETED'
    ? restorePill('DELETED', 'completed')
    : restorePill('clean-up FAILED', 'failed');
}

function restoreRows(r: RestoreRecord): Html {
  const outcome = restoreOutcome(r);
  const [first, ...more] = r.backupIds;
  const mode = r.mode ? ` (${r.mode})` : '';
  const region = r.region === r.sourceRegion ? r.region : `${r.region} (from ${r.sourceRegion})`;
  const row = html`<tr class="restore" data-outcome="${outcome}" data-kind="${r.drill ? 'drill' : 'restore'}">
  <td class="res"><div class="id">${r.restoreId}</div><div class="sub">${r.name}</div></td>
  <td>${r.drill ? 'drill' : 'restore'}</td>
  <td class="res"><div class="id">${shortName(r.arn)}</div><div class="sub">${r.type}${mode}</div></td>
  <td class="arn">${first}${more.length > 0 ? ` +${more.length}` : ''}</td>
  <td class="region">${region}</td>
  <td>${restorePill(r.status, r.status === 'AVAILABLE' ? 'completed' : r.status === 'FAILED' ? 'failed' : 'running')}</td>
  <td class="num">${humanDuration(r.recoverySeconds)}</td>
  <td>${cleanupCell(r)}</td>
</tr>`;
  const notes: Html[] = [];
  if (r.error)
    notes.push(
      html`<tr class="restore-problem"><td colspan="8"><b>${r.error.error}</b>: <span class="cause">${r.error.cause}</span></td></tr>`,
    );
  if (r.cleanup?.status === 'FAILED') {
    const left = r.cleanup.leftovers ?? [];
    notes.push(
      html`<tr class="restore-problem leftover"><td colspan="8"><b>Clean-up failed</b> ${when(r.cleanup.at)}${r.cleanup.cause ? html`: <span class="cause">${r.cleanup.cause}</span>` : ''}<br>Left behind, delete by hand: <span class="arn leftovers">${left.length > 0 ? left.join(', ') : 'unknown (see the restore in the Step Functions console)'}</span></td></tr>`,
    );
  }
  return html`${row}${notes}`;
}

function drillRow(s: DrillSummary): Html {
  const at = (iso: string | undefined) => (iso ? when(iso) : 'never');
  return html`<tr class="drill-type" data-passed="${String(s.lastPassed)}">
  <td>${s.type}${s.mode ? ` (${s.mode})` : ''}</td>
  <td>${at(s.lastAt)}</td>
  <td>${restorePill(drillOutcome(s.lastPassed), drillOutcome(s.lastPassed))}</td>
  <td class="num">${humanDuration(s.lastRecoverySeconds)}</td>
  <td>${at(s.lastPassedAt)}</td>
  <td class="num">${humanDuration(s.lastPassedRecoverySeconds)}</td>
  <td class="num">${s.drills}</td>
  <td class="cause">${s.lastError ?? ''}</td>
</tr>`;
}

/** A resource the run backed up, for the command that drills it (a placeholder only when there is none). */
const drillable = (resources: readonly ReportResource[]) =>
  resources.find((r) => r.status === 'COMPLETED')?.arn ?? '<arn>';

function restoresSection(
  { window, records }: ReportRestores,
  resources: readonly ReportResource[],
  runTier: string,
): Html {
  const shown = restoresInWindow(records, window);
  const failed = shown.filter((r) => restoreOutcome(r) === 'failed').length;
  const drills = drillSummary(records.filter((r) => startedBeforeEnd(r, window)));
  const drilled = new Set(drills.map((d) => d.type));
  const undrilled = [...new Set(resources.filter((r) => r.status === 'COMPLETED').map((r) => r.type))]
    .filter((type) => !drilled.has(type))
    .sort();
  const until = window.nextRunId
    ? html`until the next ${runTier} run (${window.nextRunId}) started, ${when(window.to)}`
    : html`until this report was generated (the ${runTier} tier's latest run)`;
  return html`<h2 id="restores">Restores and drills (${shown.length}${failed > 0 ? html`, <span class="failed-text">${failed} failed</span>` : ''})</h2>
<p class="small">Those that started from this run's start, ${when(window.from)}, ${until}. Recovery time: from the restore's start to the restored resource available. A drill passes when it restored and deleted what it restored.</p>
${
  shown.length > 0
    ? html`<table class="restores"><thead><tr><th>restore</th><th>kind</th><th>resource</th><th>backup</th><th>region</th><th>status</th><th class="num">recovery</th><th>clean-up</th></tr></thead><tbody>
${shown.map(restoreRows)}
</tbody></table>`
    : html`<p class="meta">None.</p>`
}
<h3>Last drill of each type</h3>
${
  drills.length > 0
    ? html`<table class="drills"><thead><tr><th>type (mode)</th><th>last drill</th><th>result</th><th class="num">recovery</th><th>last passed</th><th class="num">recovery</th><th class="num">drills</th><th>why it failed</th></tr></thead><tbody>
${drills.map(drillRow)}
</tbody></table>`
    : html`<p class="meta">No drill has finished yet: run one with <code>backup-pipeline restore --resource ${drillable(resources)} --latest --drill</code>.</p>`
}
${undrilled.length > 0 ? html`<p class="small undrilled">Backed up by this run but never drilled: ${undrilled.join(', ')}.</p>` : ''}
<p class="small">As <code>backup-pipeline status --rto</code> shows them${window.nextRunId ? " as of the window's end" : ''}: the last finished drill per type and backup mode, and the last that passed.</p>`;
}

const STYLE = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; padding: 20px 28px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: #1f2328; background: #fff; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
h1 { font-size: 20px; margin: 0 0 6px; } h2 { font-size: 16px; margin: 22px 0 8px; }
.meta { color: #57606a; margin: 0 0 10px; } .meta b { color: #1f2328; font-weight: 600; }
.meta span { margin-right: 16px; white-space: nowrap; }
.reason { margin: 4px 0 0; } .arn { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; word-break: break-all; }
.counts { display: flex; gap: 10px; margin: 12px 0 4px; }
.count { border: 1px solid #d0d7de; border-radius: 6px; padding: 6px 14px; min-width: 96px; }
.count .n { font-size: 22px; font-weight: 600; } .count .l { color: #57606a; font-size: 12px; }
.count.completed .n { color: ${COLORS.completed}; } .count.failed .n { color: ${COLORS.failed}; }
table { border-collapse: collapse; width: 100%; }
th { text-align: left; font-size: 12px; color: #57606a; font-weight: 600; padding: 4px 8px; border-bottom: 1px solid #d0d7de; }
td { padding: 6px 8px; border-bottom: 1px solid #eaeef2; vertical-align: middle; }
td.num, th.num { text-align: right; white-space: nowrap; }
.res .id { font-weight: 600; word-break: break-all; } .res .sub { color: #57606a; font-size: 12px; }
.pill { display: inline-block; padding: 2px 10px; border-radius: 999px; color: #fff; font-size: 12px; font-weight: 600; }
.pill.completed { background: ${COLORS.completed}; } .pill.failed { background: ${COLORS.failed}; }
.pill.copy-failed { background: ${COLORS.copyFailed}; } .count.copy-failed .n { color: ${COLORS.copyFailed}; }
.backups td { vertical-align: top; } .backups .backup-id, .backups .copy { font-family: ui-monospace, monospace; font-size: 12px; word-break: break-all; }
.backups .copy[data-status="FAILED"] { color: ${COLORS.failed}; } .failures .next { color: #57606a; }
.pill.running { background: ${COLORS.running}; } .pill.skipped { background: ${COLORS.skipped}; }
.lane { width: 52%; }
.track { position: relative; height: 22px; background: #f6f8fa; border-radius: 3px; }
.seg { position: absolute; top: 3px; height: 16px; min-width: 3px; border-radius: 2px; }
.seg.queued { background: ${COLORS.queued}; } .seg.creating { background: ${COLORS.creating}; } .seg.copying { background: ${COLORS.copying}; }
.tick { position: absolute; top: 1px; height: 20px; width: 2px; margin-left: -1px; background: ${COLORS.poll}; }
.end { position: absolute; top: 0; height: 22px; width: 14px; transform: translateX(-100%); border-radius: 2px; }
.end.completed { background: ${COLORS.completed}; } .end.failed { background: ${COLORS.failed}; }
.note { color: #57606a; font-style: italic; }
.axis { position: relative; height: 18px; font-size: 11px; color: #57606a; }
.axis .mark { position: absolute; white-space: nowrap; transform: translateX(-50%); }
.axis .mark.start { transform: none; } .axis .mark.finish { transform: translateX(-100%); }
.legend { display: flex; gap: 14px; flex-wrap: wrap; color: #57606a; font-size: 12px; margin: 6px 0 0; }
.legend i { display: inline-block; width: 14px; height: 10px; margin-right: 4px; vertical-align: baseline; border-radius: 2px; }
.legend i.tick-key { width: 2px; height: 12px; }
.failures td { vertical-align: top; } .failures .cause { word-break: break-word; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; background: #f6f8fa; padding: 1px 4px; border-radius: 4px; word-break: break-all; }
h3 { font-size: 14px; margin: 16px 0 6px; }
.failed-text { color: ${COLORS.failed}; }
tr.restore[data-outcome="failed"] td { border-bottom: none; }
tr.restore[data-outcome="failed"] td:first-child { box-shadow: inset 4px 0 ${COLORS.failed}; }
tr.restore-problem td { color: ${COLORS.failed}; background: #ffebe9; border-left: 4px solid ${COLORS.failed}; word-break: break-word; }
tr.restore-problem .leftovers { font-weight: 600; }
.drills .cause { color: ${COLORS.failed}; word-break: break-word; }
.cost td, .cost th { font-variant-numeric: tabular-nums; }
.small { color: #57606a; font-size: 12px; max-width: 980px; }
footer { margin-top: 26px; color: #8c959f; font-size: 12px; }
`;

/** The whole page. */
export function renderReport({ run, resources, generatedAt, restores }: ReportInput): string {
  const counts = countsOf(run, resources);
  const span = runSpan(run, resources);
  // In the order work began, so the timeline reads like a Gantt chart; skipped resources last.
  const began = (r: ReportResource) =>
    r.status === 'SKIPPED'
      ? Number.POSITIVE_INFINITY
      : Math.min(
          ms(r.startRequestedAt) ?? Number.POSITIVE_INFINITY,
          ms(r.startedAt) ?? Number.POSITIVE_INFINITY,
          ms(r.finishedAt) ?? Number.POSITIVE_INFINITY,
        );
  // Failures first (a backup whose copy failed among them), then in the order work began.
  const failedFirst = (r: ReportResource) => (r.status === 'FAILED' ? 0 : 1);
  const sorted = [...resources].sort(
    (a, b) =>
      failedFirst(a) - failedFirst(b) ||
      began(a) - began(b) ||
      a.type.localeCompare(b.type) ||
      a.resourceId.localeCompare(b.resourceId),
  );
  const failures = summarize(resources).failures.filter((f) => run.status !== 'RUNNING' || f.error !== 'Unfinished');
  const cost = estimateStorageCost(resources);
  // Every resource with a backup id (a failed one shows what it started), in the timeline's order.
  const made = sorted.filter((r) => (r.backupIds ?? []).length > 0);
  const duration =
    run.finishedAt && ms(run.finishedAt) !== undefined && ms(run.startedAt) !== undefined
      ? humanDuration(((ms(run.finishedAt) ?? 0) - (ms(run.startedAt) ?? 0)) / 1000)
      : undefined;
  const link = EXECUTION_ARN.test(run.executionArn) ? consoleLink(run.executionArn) : undefined;

  const countTiles = (
    [
      ['total', 'resources', counts.total],
      ['completed', 'completed', counts.completed],
      ['copy-failed', 'backed up, copy failed', counts.copyFailed],
      ['failed', 'failed', counts.failed],
      ['skipped', 'skipped', counts.skipped],
      ['unfinished', 'unfinished', counts.unfinished],
    ] as const
  ).map(
    ([kind, label, n]) => html`<div class="count ${kind}"><div class="n">${n}</div><div class="l">${label}</div></div>`,
  );

  // A failed restore or drill also shows at the top, beside the failed backups, so it cannot go unseen.
  const restoresFailed = restores
    ? restoresInWindow(restores.records, restores.window).filter((r) => restoreOutcome(r) === 'failed').length
    : 0;
  const restoreTile =
    restoresFailed > 0
      ? html`<div class="count failed restores-failed"><div class="n">${restoresFailed}</div><div class="l"><a href="#restores">restores or drills failed</a></div></div>`
      : '';

  const failureRows = failures.map((f) => {
    const r = resources.find((x) => x.arn === f.arn);
    const copyFailed = f.outcome === 'COMPLETED_COPY_FAILED';
    return html`<tr data-outcome="${f.outcome}"><td><div class="id">${r?.resourceId ?? f.arn}</div><div class="arn">${f.arn}</div></td><td>${f.type}</td><td class="region">${f.region}</td><td>${copyFailed ? html`copy <div class="sub">backup completed</div>` : f.phase}</td><td>${f.error}</td><td class="cause">${f.cause}</td><td class="next">${stepHtml(f.next)}</td></tr>`;
  });

  const retention = run.retention;
  const shownIds = retention?.deletedIds.slice(0, 50) ?? [];

  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>backup-pipeline run ${run.runId}</title>
<style>${new Html(STYLE)}</style>
</head>
<body>
<header>
<h1>Backup run ${run.runId} ${statusPill(run.status)}</h1>
<p class="meta"><span>tier <b>${run.tier}</b></span>${run.dryRun ? html`<span><b>dry run</b> (nothing created or deleted)</span>` : ''}<span>started <b>${when(run.startedAt)}</b></span><span>finished <b>${run.finishedAt ? when(run.finishedAt) : 'not yet'}</b></span>${duration ? html`<span>took <b>${duration}</b></span>` : ''}</p>
${run.reason ? html`<p class="meta reason">reason: <b class="run-reason">${run.reason}</b></p>` : ''}
<p class="meta">execution <span class="arn">${run.executionArn}</span>${link ? html` · <a href="${link}">open in the Step Functions console</a>` : ''}</p>
</header>
<section class="counts">${countTiles}${restoreTile}</section>

<h2>Timeline</h2>
<table class="timeline">
<thead><tr><th>resource</th><th>region</th><th>status</th><th>${axis(span)}</th><th class="num">polls</th><th class="num">took</th><th class="num">size</th></tr></thead>
<tbody>
${sorted.map((r) => timelineRow(r, span))}
</tbody>
</table>
<div class="legend"><span><i style="background:${COLORS.queued}"></i>queued</span><span><i style="background:${COLORS.creating}"></i>creating</span><span><i class="tick-key" style="background:${COLORS.poll}"></i>poll</span><span><i style="background:${COLORS.copying}"></i>copying</span><span><i style="background:${COLORS.completed}"></i>completed</span><span><i style="background:${COLORS.failed}"></i>failed</span><span>times in UTC${run.status === 'RUNNING' ? '; the run is still going, bars end at the latest recorded time' : ''}</span></div>

<h2>Failures (${failures.length})</h2>
${
  failures.length > 0
    ? html`<table class="failures"><thead><tr><th>resource</th><th>type</th><th>region</th><th>phase</th><th>error</th><th>reason</th><th>next step</th></tr></thead><tbody>${failureRows}</tbody></table>
${run.status !== 'RUNNING' && !run.dryRun ? html`<p class="retry">${retryFailedLine(run.runId).replace(retryFailedCommand(run.runId), '')}<code>${retryFailedCommand(run.runId)}</code></p>` : ''}
<p class="small">Next steps from the runbook (docs/operations.md). ${counts.copyFailed > 0 ? COPY_FAILED_MEANING : ''}</p>`
    : html`<p class="meta">None.</p>`
}

<h2 id="backups">Backups made</h2>
${
  made.length > 0
    ? html`<table class="backups"><thead><tr><th>resource</th><th>region</th><th>status</th><th>backup ids</th><th>expires (UTC)</th><th>copies (region, ids, status)</th></tr></thead><tbody>
${made.map((r) => backupRow(r, run.expiresAt))}
</tbody></table>`
    : html`<p class="meta">None${run.dryRun ? ' (a dry run makes no backup)' : ''}.</p>`
}

${restores ? restoresSection(restores, resources, run.tier) : ''}

<h2>Estimated snapshot storage cost</h2>
${
  cost.lines.length > 0
    ? html`<table class="cost"><thead><tr><th>backup</th><th>region</th><th class="num">backups</th><th class="num">size (GiB)</th><th class="num">price per GB-month</th><th class="num">per month, estimated</th></tr></thead><tbody>
${cost.lines.map((l) => html`<tr><td>${l.backup}</td><td class="region">${l.region}</td><td class="num">${l.backups}${l.unsized ? ` (${l.unsized} size unknown)` : ''}</td><td class="num">${l.sizedGiB}</td><td class="num">${price(l.usdPerGbMonth)}</td><td class="num">${usd(l.usdPerMonth)}</td></tr>`)}
<tr><th>total</th><th></th><th></th><th></th><th></th><th class="num total-cost">${usd(cost.totalUsdPerMonth)}</th></tr>
</tbody></table>`
    : html`<p class="meta">No completed backups to price.</p>`
}
${cost.unpriced.length > 0 ? html`<p class="small">Not estimated (no price here for the type): ${cost.unpriced.map((u, i) => html`${i ? ', ' : ''}${u.backups} ${u.type}`)}.</p>` : ''}
<p class="small">An estimate of every backup the run left that exists: each backup made (one whose copy failed included) and
each completed copy, in the region that stores it, priced at the full provisioned size of its source, recorded when the
backup started. EBS snapshots are incremental (after the first, only changed blocks are stored) and RDS counts
snapshot storage against a free allowance, so the real charge is usually lower; but every region is priced at the
us-east-1 list prices, ${pricesUsed()} per GB-month, and other regions' prices differ (some are higher). Backups whose
size was not recorded are counted as size unknown and left out of the total.</p>

${
  retention
    ? html`<h2>Retention${retention.dryRun ? ' (dry run: nothing deleted)' : ''}</h2>
<p class="meta"><span>${retention.dryRun ? 'would delete' : 'deleted'} <b>${retention.deleted}</b></span><span>kept <b>${retention.kept}</b></span><span>failed deletes <b>${retention.failedDeletes}</b></span></p>
${shownIds.length > 0 ? html`<p class="small arn">${shownIds.join(', ')}${retention.deletedIds.length > shownIds.length ? ` and ${retention.deletedIds.length - shownIds.length} more` : ''}</p>` : ''}`
    : ''
}
<footer>backup-pipeline report, generated ${when(generatedAt.toISOString())} from the state table.</footer>
</body>
</html>
`;
  return page.value;
}
