/**
 * cli/report/render-report.ts (with ./html.ts and ./report-figures.ts): the run report is a pure function of the run record and its items, so
 * its timeline geometry, cost figures, failures and escaping are checked here without AWS or a browser
 * (tests/e2e/report.test.ts renders it in Chromium).
 */
import { escapeHtml } from '../../../cli/report/html';
import { COLORS, renderReport } from '../../../cli/report/render-report';
import { estimateStorageCost, type ReportResource, runSpan, timelineOf } from '../../../cli/report/report-figures';
import { reportRestoreWindow } from '../../../cli/report/restore-window';
import type { RestoreRecord } from '../../../shared/state/records';
import { COPY_FAILED_MEANING } from '../../../shared/workflow/backup/outcome';
import { nextStep } from '../../../shared/workflow/notify/runbook';
import { resourceRecord, runRecord } from '../../support/unit-fixtures';
import { instanceRef, volumeRef } from '../services/ec2/fixtures';
import { dbRef, restoreRecord } from '../services/rds/fixtures';

const RUN_ID = 'weekly-report-1';
const at = (minutes: number) => new Date(Date.parse('2026-01-05T02:00:00.000Z') + minutes * 60_000).toISOString();
const t = (minutes: number) => Date.parse(at(minutes));

const finishedRun = runRecord(RUN_ID, {
  tier: 'weekly',
  status: 'FAILED',
  finishedAt: at(120),
  reason: 'before release 42',
  counts: { total: 4, completed: 2, failed: 1, skipped: 1, unfinished: 0 },
});

/** An instance (70 GiB) polled three times, a volume (100 GiB) queued ten minutes, a stopped DB, a skip. */
function records(): ReportResource[] {
  return [
    resourceRecord(RUN_ID, instanceRef(), {
      status: 'COMPLETED',
      startRequestedAt: at(1),
      startedAt: at(1),
      backupIds: ['snap-a', 'snap-b'],
      polls: 3,
      pollTimes: [at(10), at(30), at(60)],
      finishedAt: at(60),
      sizeGiB: 70,
    }),
    resourceRecord(RUN_ID, volumeRef(), {
      status: 'COMPLETED',
      startRequestedAt: at(10),
      startedAt: at(10),
      backupIds: ['snap-c'],
      polls: 1,
      pollTimes: [at(20)],
      finishedAt: at(20),
      sizeGiB: 100,
    }),
    resourceRecord(RUN_ID, dbRef('legacy'), {
      status: 'FAILED',
      startRequestedAt: at(1),
      finishedAt: at(2),
      error: {
        error: 'InvalidResourceStateError',
        cause: 'Cannot snapshot DB instance legacy: its status is stopped.',
      },
    }),
    resourceRecord(RUN_ID, volumeRef('vol-0000000000000000b'), {
      status: 'SKIPPED',
      note: 'attached to a selected instance',
    }),
  ];
}

describe('timelineOf', () => {
  it('draws queued until the start, creating until the finish, and the outcome at the finish', () => {
    // Prepare
    const volume = records()[1] as ReportResource;

    // Act
    const row = timelineOf(volume, t(120));

    // Assess
    expect(row.segments).toEqual([
      { kind: 'queued', from: t(0), to: t(10) },
      { kind: 'creating', from: t(10), to: t(20) },
    ]);
    expect(row.outcome).toEqual({ kind: 'completed', at: t(20) });
  });

  it('marks every recorded poll at its time and counts polls recorded without a time', () => {
    // Prepare
    const instance = { ...(records()[0] as ReportResource), polls: 5 };

    // Act
    const row = timelineOf(instance, t(120));

    // Assess
    expect(row.polls).toEqual([t(10), t(30), t(60)]);
    expect(row.unmarkedPolls).toBe(2);
  });

  it('adds a copying segment from the first copy start to the last copy finish', () => {
    // Prepare
    const copied: ReportResource = {
      ...(records()[0] as ReportResource),
      finishedAt: at(90),
      copies: [
        {
          region: 'us-west-2',
          ids: ['snap-c1'],
          status: 'COMPLETED',
          reason: null,
          startedAt: at(60),
          finishedAt: at(80),
        },
        {
          region: 'eu-central-1',
          ids: ['snap-c2'],
          status: 'COMPLETED',
          reason: null,
          startedAt: at(61),
          finishedAt: at(90),
        },
      ],
    };

    // Act
    const row = timelineOf(copied, t(120));

    // Assess
    expect(row.segments.map((s) => [s.kind, s.from, s.to])).toEqual([
      ['queued', t(0), t(1)],
      ['creating', t(1), t(60)],
      ['copying', t(60), t(90)],
    ]);
  });

  it('runs an unfinished resource to the end of the known span, with no outcome', () => {
    // Prepare
    const running = resourceRecord(RUN_ID, dbRef(), {
      status: 'CREATING',
      startRequestedAt: at(5),
      startedAt: at(5),
      polls: 1,
      pollTimes: [at(30)],
      lastCheckedAt: at(30),
    });

    // Act
    const span = runSpan(runRecord(RUN_ID), [running]);
    const row = timelineOf(running, span.to);

    // Assess
    expect(span).toEqual({ from: t(0), to: t(30) });
    expect(row.segments.at(-1)).toEqual({ kind: 'creating', from: t(5), to: t(30) });
    expect(row.outcome).toBeUndefined();
  });

  it('draws a resource that failed at Plan as failed where the run began, not queued for the whole run', () => {
    // Prepare: Plan writes it FAILED with its queue time only.
    const planFailed = resourceRecord(RUN_ID, dbRef('gone'), {
      status: 'FAILED',
      error: { error: 'PlanFailed', cause: 'ResourceNotFoundError: gone' },
    });

    // Act
    const row = timelineOf(planFailed, t(120));

    // Assess
    expect(row.segments).toEqual([{ kind: 'queued', from: t(0), to: t(0) }]);
    expect(row.outcome).toEqual({ kind: 'failed', at: t(0) });
  });

  it('draws nothing for a skipped resource', () => {
    expect(timelineOf(records()[3] as ReportResource, t(120))).toEqual({ segments: [], polls: [], unmarkedPolls: 0 });
  });
});

describe('estimateStorageCost', () => {
  it('prices completed backups at full size, EBS at $0.05 and RDS at $0.095 per GB-month', () => {
    // Prepare
    const db = resourceRecord(RUN_ID, dbRef(), { status: 'COMPLETED', sizeGiB: 200 });

    // Act
    const cost = estimateStorageCost([...records(), db]);

    // Assess
    expect(cost.lines).toEqual([
      {
        backup: 'EBS snapshot',
        region: 'eu-west-1',
        usdPerGbMonth: 0.05,
        backups: 2,
        sizedGiB: 170,
        unsized: 0,
        usdPerMonth: 8.5,
      },
      {
        backup: 'RDS snapshot',
        region: 'eu-west-1',
        usdPerGbMonth: 0.095,
        backups: 1,
        sizedGiB: 200,
        unsized: 0,
        usdPerMonth: 19,
      },
    ]);
    expect(cost.totalUsdPerMonth).toBeCloseTo(27.5, 10);
  });

  it('counts every backup that exists: a backup whose copy failed, and each completed copy in its own region', () => {
    // Prepare: a 200 GiB DB whose copy failed (its snapshot exists), a 100 GiB volume copied to us-west-2.
    const copyFailed = resourceRecord(RUN_ID, dbRef(), {
      status: 'FAILED',
      sizeGiB: 200,
      backupIds: ['bp-db'],
      error: { error: 'BackupFailed', cause: 'copy to us-west-2: failed' },
      copies: [{ region: 'us-west-2', ids: ['bp-db-2'], status: 'FAILED', reason: 'failed' }],
    });
    const copied = resourceRecord(RUN_ID, volumeRef(), {
      status: 'COMPLETED',
      sizeGiB: 100,
      backupIds: ['snap-v'],
      copies: [{ region: 'us-west-2', ids: ['snap-v2'], status: 'COMPLETED', reason: null }],
    });

    // Act
    const cost = estimateStorageCost([copyFailed, copied]);

    // Assess
    expect(cost.lines.map((l) => [l.backup, l.region, l.backups, l.sizedGiB])).toEqual([
      ['RDS snapshot', 'eu-west-1', 1, 200],
      ['EBS snapshot', 'eu-west-1', 1, 100],
      ['EBS snapshot', 'us-west-2', 1, 100],
    ]);
    expect(cost.totalUsdPerMonth).toBeCloseTo(200 * 0.095 + 200 * 0.05, 10);
  });

  it('counts a backup without a recorded size as unknown, and a type without a price as not estimated', () => {
    // Prepare
    const unsized = resourceRecord(RUN_ID, dbRef(), { status: 'COMPLETED' });
    const unpriced = { ...resourceRecord(RUN_ID, dbRef('other'), { status: 'COMPLETED', sizeGiB: 10 }) };
    (unpriced as { type: string }).type = 'dynamodb-table';

    // Act
    const cost = estimateStorageCost([unsized, unpriced]);

    // Assess
    expect(cost.lines).toEqual([expect.objectContaining({ backup: 'RDS snapshot', backups: 1, unsized: 1 })]);
    expect(cost.totalUsdPerMonth).toBe(0);
    expect(cost.unpriced).toEqual([{ type: 'dynamodb-table', backups: 1 }]);
  });
});

describe('renderReport', () => {
  const page = () => renderReport({ run: finishedRun, resources: records(), generatedAt: new Date(at(130)) });

  it('writes one self-contained page: inline style, no scripts or loaded assets, scripts forbidden by CSP', () => {
    // Act
    const out = page();

    // Assess
    expect(out.startsWith('<!doctype html>')).toBe(true);
    expect(out).toContain('<style>');
    expect(out).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
    expect(out).not.toMatch(/<script|<link|<img|\ssrc=|url\(/i);
  });

  it('shows the run header, counts and a console link to the execution', () => {
    // Act
    const out = page();

    // Assess
    expect(out).toContain(`Backup run ${RUN_ID}`);
    expect(out).toContain('tier <b>weekly</b>');
    expect(out).toContain('before release 42');
    expect(out).toContain('started <b>2026-01-05 02:00:00 UTC</b>');
    expect(out).toContain('finished <b>2026-01-05 04:00:00 UTC</b>');
    expect(out).toContain(
      `href="https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/${finishedRun.executionArn}"`,
    );
    for (const [n, label] of [
      [4, 'resources'],
      [2, 'completed'],
      [1, 'failed'],
      [1, 'skipped'],
    ])
      expect(out).toContain(`<div class="n">${n}</div><div class="l">${label}</div>`);
  });

  it('draws one timeline row per resource, failures first, then in the order work began, with one tick per recorded poll', () => {
    // Act
    const out = page();

    // Assess
    expect([...out.matchAll(/<tr class="row" data-status="(\w+)">/g)].map((m) => m[1])).toEqual([
      'FAILED',
      'COMPLETED',
      'COMPLETED',
      'SKIPPED',
    ]);
    expect(out.match(/class="tick"/g)).toHaveLength(4);
    expect(out.match(/class="end completed"/g)).toHaveLength(2);
    expect(out.match(/class="end failed"/g)).toHaveLength(1);
    expect(out).toContain('class="tick" style="left:25.000%"');
    expect(out).toContain('skipped: attached to a selected instance');
    expect(out).toContain(`.end.completed { background: ${COLORS.completed}; }`);
  });

  it('lists a failed resource under Failures with its phase, error and reason', () => {
    // Act
    const out = page();

    // Assess
    const failures = out.slice(out.indexOf('<h2>Failures (1)</h2>'), out.indexOf('<h2>Estimated'));
    expect(failures).toContain('<div class="id">legacy</div>');
    expect(failures).toContain('<td>start</td><td>InvalidResourceStateError</td>');
    expect(failures).toContain('Cannot snapshot DB instance legacy: its status is stopped.');
  });

  it('lists failures first in the timeline and in the backups made', () => {
    // Prepare: the failed DB started last; a volume whose copy failed finished after the instance began.
    const [instance, volume, legacy, skip] = records() as [
      ReportResource,
      ReportResource,
      ReportResource,
      ReportResource,
    ];
    const copyFailed = {
      ...volume,
      status: 'FAILED' as const,
      error: { error: 'BackupFailed', cause: 'copy to us-west-2: x' },
      copies: [{ region: 'us-west-2', ids: ['snap-c2'], status: 'FAILED' as const, reason: 'x' }],
    };
    const late = { ...legacy, startRequestedAt: at(50), finishedAt: at(51) };

    // Act
    const out = renderReport({
      run: finishedRun,
      resources: [instance, copyFailed, late, skip],
      generatedAt: new Date(at(130)),
    });

    // Assess
    expect([...out.matchAll(/<tr class="row" data-status="(\w+)">/g)].map((m) => m[1])).toEqual([
      'FAILED',
      'FAILED',
      'COMPLETED',
      'SKIPPED',
    ]);
    expect([...out.matchAll(/<tr class="backup" data-outcome="(\w+)">/g)].map((m) => m[1])).toEqual([
      'COMPLETED_COPY_FAILED',
      'COMPLETED',
    ]);
  });

  it('carries the runbook next step for each failure', () => {
    const out = page();
    const failures = out.slice(out.indexOf('<h2>Failures (1)</h2>'), out.indexOf('<h2 id="backups">'));
    expect(failures).toContain('<th>next step</th>');
    expect(failures).toContain(`<td class="next">${escapeHtml(nextStep('InvalidResourceStateError'))}</td>`);
  });

  it('renders the commands of next steps as code, names the resource in them, and ends with the retry command', () => {
    // Prepare: a snapshot that failed, whose step is a command.
    const [instance, ...rest] = records();
    const failed = {
      ...(instance as ReportResource),
      status: 'FAILED' as const,
      error: { error: 'BackupFailed', cause: 'snap-a error: internal' },
    };

    // Act
    const out = renderReport({ run: finishedRun, resources: [failed, ...rest], generatedAt: new Date(at(130)) });

    // Assess
    const failures = out.slice(out.indexOf('<h2>Failures (2)</h2>'), out.indexOf('<h2 id="backups">'));
    expect(failures).toContain(`<code>backup-pipeline start --resource ${failed.arn} --wait</code>`);
    expect(failures).toContain(
      `Retry the failed resources: <code>backup-pipeline start --retry-failed ${RUN_ID} --wait</code>`,
    );
    expect(failures).not.toContain('`');
    expect(failures).not.toMatch(/&lt;(arn|run)&gt;/);
  });

  it('lists every backup made with its ids, expiry and copies by region and id', () => {
    // Prepare
    const [instance, volume, ...rest] = records();
    const copied = {
      ...(instance as ReportResource),
      copies: [{ region: 'us-west-2', ids: ['snap-a2', 'snap-b2'], status: 'COMPLETED' as const, reason: null }],
    };

    // Act
    const out = renderReport({
      run: finishedRun,
      resources: [copied, volume as ReportResource, ...rest],
      generatedAt: new Date(at(130)),
    });

    // Assess
    const section = out.slice(out.indexOf('<h2 id="backups">'), out.indexOf('<h2>Estimated'));
    const rows = section.split('<tr class="backup"').slice(1);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toContain('<div class="backup-id">snap-a</div><div class="backup-id">snap-b</div>');
    expect(rows[0]).toContain(`<td class="expires">2026-01-12 02:00:00 UTC</td>`);
    expect(rows[0]).toMatch(
      /<span class="region">us-west-2<\/span> snap-a2, snap-b2 <span class="sub">completed<\/span>/,
    );
    expect(rows[1]).toContain('<div class="backup-id">snap-c</div>');
    expect(rows[1]).toContain('none asked');
  });

  it('shows a backup that completed whose copy failed as COPY FAILED, counted apart from failed backups', () => {
    // Prepare
    const [instance, ...rest] = records();
    const copyFailed = {
      ...(instance as ReportResource),
      status: 'FAILED' as const,
      error: { error: 'BackupFailed', cause: 'copy to us-west-2: snap-a2 error' },
      copies: [{ region: 'us-west-2', ids: ['snap-a2'], status: 'FAILED' as const, reason: 'snap-a2 error' }],
    };

    // Act
    const out = renderReport({ run: finishedRun, resources: [copyFailed, ...rest], generatedAt: new Date(at(130)) });

    // Assess: the figures count it on its own, whatever the run record's older counts said.
    for (const [n, label] of [
      [1, 'completed'],
      [1, 'backed up, copy failed'],
      [1, 'failed'],
    ] as const)
      expect(out).toContain(`<div class="n">${n}</div><div class="l">${label}</div>`);
    expect(out).toContain('<tr class="row" data-status="FAILED">');
    expect(out).toMatch(/data-status="FAILED">[\s\S]*?<span class="pill copy-failed">COPY FAILED<\/span>/);
    const failures = out.slice(out.indexOf('<h2>Failures (2)</h2>'), out.indexOf('<h2 id="backups">'));
    expect(failures).toContain('<tr data-outcome="COMPLETED_COPY_FAILED">');
    expect(failures).toContain(
      `<td class="next">${escapeHtml(nextStep('BackupFailed', '', true).replace(/`.*`/, ''))}<code>backup-pipeline start --retry-failed ${RUN_ID} --wait</code></td>`,
    );
    expect(failures).toContain(escapeHtml(COPY_FAILED_MEANING));
    const backups = out.slice(out.indexOf('<h2 id="backups">'), out.indexOf('<h2>Estimated'));
    expect(backups).toContain('<tr class="backup" data-outcome="COMPLETED_COPY_FAILED">');
    expect(backups).toMatch(
      /<div class="copy" data-status="FAILED"><span class="region">us-west-2<\/span> snap-a2 <span class="sub">failed: snap-a2 error<\/span>/,
    );
  });

  it("states the estimated storage cost as an estimate at one region's prices, never an upper bound, with unknown sizes named", () => {
    // Prepare
    const unsized = resourceRecord(RUN_ID, dbRef(), { status: 'COMPLETED' });

    // Act
    const out = renderReport({ run: finishedRun, resources: [...records(), unsized], generatedAt: new Date() });

    // Assess
    expect(out).toContain('<td class="num">$8.50</td>');
    expect(out).toContain('<th class="num total-cost">$8.50</th>');
    expect(out).toContain('1 (1 size unknown)');
    expect(out).not.toMatch(/upper bound|at most/);
    expect(out).toContain('per month, estimated');
    expect(out).toContain('every backup the run left that exists');
    expect(out).toContain('EBS snapshots are incremental');
    expect(out).toMatch(
      /EBS snapshot\s+\$0\.05, RDS snapshot \$0\.095, Redshift manual snapshot \$0\.024 and S3 Standard \(replicated versions\) \$0\.023 per GB-month/,
    );
    expect(out).toContain('<td class="num">size unknown</td>');
  });

  it('shows the retention result when the run recorded one', () => {
    // Prepare
    const run = {
      ...finishedRun,
      retention: { dryRun: true, deleted: 2, kept: 5, failedDeletes: 0, deletedIds: ['snap-old-1', 'snap-old-2'] },
    };

    // Act
    const out = renderReport({ run, resources: records(), generatedAt: new Date() });

    // Assess
    expect(out).toContain('<h2>Retention (dry run: nothing deleted)</h2>');
    expect(out).toContain('would delete <b>2</b>');
    expect(out).toContain('snap-old-1, snap-old-2');
  });

  it('escapes every value from the table, so tags, error messages and reasons cannot inject markup', () => {
    // Prepare
    const evil = '<script>alert(1)</script><img src=x onerror=alert(2)>"\'&';
    const run = { ...finishedRun, reason: evil, tier: `weekly${evil}`, executionArn: `javascript:alert(3)//${evil}` };
    const resources = records().map((r) => ({
      ...r,
      resourceId: `${r.resourceId}${evil}`,
      ...(r.error ? { error: { error: `Boom${evil}`, cause: evil } } : {}),
      ...(r.note ? { note: evil } : {}),
    }));

    // Act
    const out = renderReport({ run, resources, generatedAt: new Date() });

    // Assess
    expect(out).not.toMatch(/<script|<img/i);
    expect(out).not.toMatch(/"[^"<>]*onerror/);
    expect(out).not.toContain('href="javascript:');
    expect(out).toContain(escapeHtml(evil));
    expect(escapeHtml(evil)).toBe(
      '&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;&quot;&#39;&amp;',
    );
  });
});

describe('renderReport: restores and drills', () => {
  /** In the window: a drill whose clean-up failed, an operator's restore; before it, a drill that passed. */
  function restores(): RestoreRecord[] {
    return [
      restoreRecord('drill-leaky', at(150), {
        arn: volumeRef().arn,
        type: 'ebs-volume',
        backupIds: ['snap-c'],
        name: 'vol-restored',
        restoredIds: ['vol-0restored'],
        recoverySeconds: 75,
        cleanup: {
          status: 'FAILED',
          at: at(160),
          cause: 'AccessDenied: not authorized to perform ec2:DeleteVolume',
          leftovers: ['vol-0restored'],
        },
      }),
      restoreRecord('restore-ops', at(140), { drill: false, cleanup: undefined, region: 'us-west-2' }),
      restoreRecord('drill-volume-old', at(-600), { arn: volumeRef().arn, type: 'ebs-volume', recoverySeconds: 60 }),
      restoreRecord('drill-orders-old', at(-500), { recoverySeconds: 1800 }),
    ];
  }
  const window = reportRestoreWindow(finishedRun, undefined);
  const page = (restoreRecords: readonly RestoreRecord[] = restores()) =>
    renderReport({
      run: finishedRun,
      resources: records(),
      generatedAt: new Date(at(200)),
      restores: { window, records: restoreRecords },
    });

  it("lists the window's restores newest first: kind, resource, backup, region, status, recovery, clean-up", () => {
    // Act
    const out = page();

    // Assess
    expect(
      [...out.matchAll(/<tr class="restore" data-outcome="(\w+)" data-kind="(\w+)">/g)].map((m) => m.slice(1)),
    ).toEqual([
      ['failed', 'drill'],
      ['passed', 'restore'],
    ]);
    expect(out).toContain('<h2 id="restores">Restores and drills (2, <span class="failed-text">1 failed</span>)</h2>');
    expect(out).toContain('<div class="id">vol-0123456789abcdef0</div><div class="sub">ebs-volume</div>');
    expect(out).toContain('<td class="arn">snap-c</td>');
    expect(out).toContain('<td class="region">us-west-2 (from eu-west-1)</td>');
    expect(out).toContain('<td class="num">75s</td>');
    expect(out).toContain('<span class="pill failed">clean-up FAILED</span>');
    expect(out).toContain('<td>restore</td>');
    expect(out).toContain('<span class="sub">none (kept)</span>');
    expect(out).toContain(
      "Those that started from this run's start, 2026-01-05 02:00:00 UTC, until this report was generated",
    );
    expect(out).not.toContain('drill-orders-old</div>');
  });

  it('makes a failed clean-up stand out: a red row with what was left behind, and a failed tile at the top', () => {
    // Act
    const out = page();

    // Assess
    expect(out).toMatch(
      /<tr class="restore-problem leftover"><td colspan="8"><b>Clean-up failed<\/b> 2026-01-05 04:40:00 UTC: <span class="cause">AccessDenied: not authorized to perform ec2:DeleteVolume<\/span><br>Left behind, delete by hand: <span class="arn leftovers">vol-0restored<\/span>/,
    );
    expect(out).toContain(`tr.restore-problem td { color: ${COLORS.failed}; background: #ffebe9;`);
    const counts = out.slice(out.indexOf('<section class="counts">'), out.indexOf('</section>'));
    expect(counts).toContain(
      '<div class="count failed restores-failed"><div class="n">1</div><div class="l"><a href="#restores">restores or drills failed</a></div></div>',
    );
  });

  it("shows each type's last drill as status --rto does, as of the window's end, and types never drilled", () => {
    // Act
    const out = page();

    // Assess
    const drills = [...out.matchAll(/<tr class="drill-type" data-passed="(\w+)">\s*<td>([^<]+)<\/td>/g)].map((m) =>
      m.slice(1),
    );
    expect(drills).toEqual([
      ['false', 'ebs-volume'],
      ['true', 'rds-instance'],
    ]);
    expect(out).toContain('clean-up failed: AccessDenied: not authorized to perform ec2:DeleteVolume');
    expect(out).toContain('<td class="num">30m</td>');
    expect(out).toContain('Backed up by this run but never drilled: ec2-instance.');
  });

  it("leaves out the drills that started after the window's end from the per-type lines", () => {
    // Prepare: the window ends at the next weekly run; a drill after it belongs to that run's report.
    const ended = reportRestoreWindow(finishedRun, { runId: 'weekly-report-2', startedAt: at(145) });

    // Act
    const out = renderReport({
      run: finishedRun,
      resources: records(),
      generatedAt: new Date(at(900)),
      restores: { window: ended, records: restores() },
    });

    // Assess
    expect(out).toContain('until the next weekly run (weekly-report-2) started, 2026-01-05 04:25:00 UTC');
    expect(out).not.toContain('drill-leaky');
    expect(out).not.toContain('restores-failed');
    expect(out).toMatch(/<tr class="drill-type" data-passed="true">\s*<td>ebs-volume<\/td>/);
  });

  it('says so when there were none, and how to run a drill of a resource the run backed up', () => {
    const out = page([]);
    expect(out).toContain('<h2 id="restores">Restores and drills (0)</h2>');
    expect(out).toContain(
      `No drill has finished yet: run one with <code>backup-pipeline restore --resource ${records()[0]?.arn} --latest --drill</code>`,
    );
  });

  it('escapes every restore value from the table', () => {
    // Prepare
    const evil = '<script>alert(1)</script><img src=x onerror=alert(2)>';
    const evilRestores = restores().map((r) => ({
      ...r,
      restoreId: `${r.restoreId}${evil}`,
      name: evil,
      backupIds: [evil],
      region: evil,
      ...(r.cleanup ? { cleanup: { ...r.cleanup, cause: evil, leftovers: [evil] } } : {}),
      error: { error: evil, cause: evil },
    }));

    // Act
    const out = page(evilRestores);

    // Assess
    expect(out).not.toMatch(/<script|<img/i);
    expect(out).toContain(escapeHtml(evil));
  });
});
