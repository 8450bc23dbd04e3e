/**
 * cli/progress.ts: the live progress of `npm start` and `start --wait`. Copying counts as in progress,
 * piped output is keyed on the counts (not the clock), no `0/0 done` before Plan, no raw event names,
 * the slowest resource and an estimate, colour only on a terminal without NO_COLOR.
 */
import {
  estimateRemaining,
  phaseOf,
  progressCounts,
  progressKey,
  progressLine,
  progressPrinter,
  remainingOf,
  slowestResource,
  visibleLength,
  wantsColour,
} from '../../../cli/progress';
import type { ResourceRecord } from '../../../shared/state/records';
import { resourceRecord } from '../../support/unit-fixtures';
import { volumeRef } from '../services/ec2/fixtures';
import { dbRef } from '../services/rds/fixtures';

const RUN = 'daily-1';
const NOW = new Date('2026-01-05T04:00:00.000Z');
const at = (hoursBefore: number) => new Date(NOW.getTime() - hoursBefore * 3_600_000).toISOString();

/** Mid-run: one done, one failed, one creating at 40% for 2h, one copying for 3h, one waiting, one skipped. */
const midRun: ResourceRecord[] = [
  resourceRecord(RUN, volumeRef('vol-0000000000000000a'), { status: 'COMPLETED', startedAt: at(3) }),
  resourceRecord(RUN, volumeRef('vol-0000000000000000b'), { status: 'FAILED', startedAt: at(3) }),
  resourceRecord(RUN, dbRef('orders'), { status: 'CREATING', startedAt: at(2), progress: 40 }),
  resourceRecord(RUN, dbRef('analytics'), { status: 'COPYING', startedAt: at(3), progress: 100 }),
  resourceRecord(RUN, volumeRef('vol-0000000000000000c'), { status: 'PENDING' }),
  resourceRecord(RUN, dbRef('member-1'), { status: 'SKIPPED', note: 'included in the backup of its cluster' }),
];

describe('progressCounts', () => {
  it('counts creating and copying resources as in progress, and leaves skipped ones out', () => {
    expect(progressCounts(midRun)).toEqual({ total: 5, done: 2, failed: 1, inProgress: 2, copying: 1, waiting: 1 });
  });
});

describe('slowestResource and the estimate', () => {
  it('names the in-progress resource that started first, and gives no percentage while it copies', () => {
    expect(slowestResource(midRun, NOW)).toEqual({
      resourceId: 'analytics',
      type: 'rds-instance',
      status: 'COPYING',
      elapsedSeconds: 3 * 3600,
    });
  });

  it('extrapolates a creating backup from its progress (40% in 2h leaves 3h), not from too little of it', () => {
    expect(remainingOf({ status: 'CREATING', startedAt: at(2), progress: 40 }, NOW)).toBe(3 * 3600);
    expect(remainingOf({ status: 'CREATING', startedAt: at(2), progress: 1 }, NOW)).toBeUndefined();
    expect(remainingOf({ status: 'COPYING', startedAt: at(2), progress: 100 }, NOW)).toBeUndefined();
  });

  it('takes the longest of what running resources need and what the waiting ones need at the pace so far', () => {
    // Once analytics' copy is done: 3h left for orders; the one waiting: 1 resource x 3h elapsed / 3 done = 1h.
    const copied = midRun.map((r) => (r.status === 'COPYING' ? { ...r, status: 'COMPLETED' as const } : r));
    expect(estimateRemaining(copied, NOW)).toBe(3 * 3600);
    expect(estimateRemaining([resourceRecord(RUN, volumeRef('vol-0000000000000000d'))], NOW)).toBeUndefined();
  });
});

describe('estimateRemaining: shown only when reliable', () => {
  /** `n` quick volumes done in 3 minutes each, the run started `startedHoursAgo` ago. */
  const quickDone = (n: number, startedHoursAgo = 0.5) =>
    Array.from({ length: n }, (_, i) =>
      resourceRecord(RUN, volumeRef(`vol-${String(i).padStart(17, '0')}`), {
        status: 'COMPLETED',
        startedAt: at(startedHoursAgo),
        finishedAt: at(startedHoursAgo - 0.05),
      }),
    );

  it('gives none while a long snapshot has reported too little to extrapolate (the "~3m left" nine hours early)', () => {
    // Prepare: 18 of 20 done; a quick one at 60% after 3 minutes; a 9-hour snapshot at 3% after 20 minutes.
    const records = [
      ...quickDone(18),
      resourceRecord(RUN, dbRef('quick'), { status: 'CREATING', startedAt: at(0.05), progress: 60 }),
      resourceRecord(RUN, dbRef('warehouse'), { status: 'CREATING', startedAt: at(1 / 3), progress: 3 }),
    ];

    // Act / Assess: the old estimate was the quick one's 2 minutes.
    expect(estimateRemaining(records, NOW)).toBeUndefined();
  });

  it('gives none while a snapshot is still in its first third, where reported progress races ahead', () => {
    const records = [
      ...quickDone(18),
      resourceRecord(RUN, dbRef('warehouse'), { status: 'CREATING', startedAt: at(1), progress: 20 }),
    ];
    expect(estimateRemaining(records, NOW)).toBeUndefined();
  });

  it('gives none while a resource copies (the recorded progress is the backup, not the copy)', () => {
    const records = [
      ...quickDone(18),
      resourceRecord(RUN, dbRef('warehouse'), { status: 'COPYING', startedAt: at(1), progress: 100 }),
    ];
    expect(estimateRemaining(records, NOW)).toBeUndefined();
  });

  it('gives none before a quarter of the resources finished: the pace of the rest is not measured yet', () => {
    const records = [
      ...quickDone(2),
      resourceRecord(RUN, dbRef('orders'), { status: 'CREATING', startedAt: at(1), progress: 50 }),
      ...Array.from({ length: 10 }, (_, i) => resourceRecord(RUN, volumeRef(`vol-1${String(i).padStart(16, '0')}`))),
    ];
    expect(estimateRemaining(records, NOW)).toBeUndefined();
  });

  it('estimates once a quarter finished and every running backup is past its first third', () => {
    // 50% after 1h leaves 1h; nothing waits.
    const records = [
      ...quickDone(6),
      resourceRecord(RUN, dbRef('orders'), { status: 'CREATING', startedAt: at(1), progress: 50 }),
    ];
    expect(estimateRemaining(records, NOW)).toBe(3600);
  });
});

describe('phaseOf', () => {
  it("names states as the console does and the execution's events in words, never a raw event type", () => {
    expect(phaseOf({ type: 'TaskStateEntered', stateName: 'Plan the run' })).toBe('Plan the run');
    expect(phaseOf({ type: 'MapIterationStarted' })).toBe('Back up each resource');
    expect(phaseOf({ type: 'ExecutionSucceeded' })).toBe('finished');
    expect(phaseOf({ type: 'ExecutionFailed' })).toBe('failed');
    expect(phaseOf({ type: 'ExecutionStarted' })).toBe('starting');
    expect(phaseOf(undefined)).toBe('starting');
  });
});

describe('progressLine', () => {
  const view = {
    counts: progressCounts(midRun),
    phase: 'Back up each resource',
    slowest: slowestResource(midRun, NOW),
    remainingSeconds: 3 * 3600,
    clock: '[04:00:00 sim]',
  };

  it('shows the bar, the counts with copying in progress, the slowest resource and the estimate, uncoloured', () => {
    expect(progressLine(view)).toBe(
      '[04:00:00 sim] [########------------] 2/5 done, 2 in progress (1 copying), 1 failed — Back up each resource; slowest: analytics (rds-instance) copying 3.0h; ~3.0h left',
    );
  });

  it('colours the counts only when asked', () => {
    expect(progressLine(view, true)).toContain('\x1b[33m2 in progress (1 copying)\x1b[0m');
    expect(progressLine(view, true)).toContain('\x1b[31m1 failed\x1b[0m');
    expect(progressLine(view)).not.toContain('\x1b[');
  });

  it('says the run is being planned before Plan wrote anything, never "0/0 done"', () => {
    const empty = progressCounts([]);
    expect(progressLine({ counts: empty, phase: 'Plan the run' })).toBe('planning the run…');
    expect(progressLine({ counts: empty, phase: 'starting' })).toBe('planning the run…');
    // Plan writes its items in batches: a total still growing is no total yet.
    expect(progressLine({ ...view, phase: 'Plan the run' })).toBe('[04:00:00 sim] planning the run…');
    expect(progressLine({ counts: empty, phase: 'finished', dryRun: true })).toBe(
      'dry run: nothing is backed up — finished',
    );
    expect(progressLine({ counts: empty, phase: 'finished' })).not.toMatch(/0\/0/);
    expect(progressLine({ counts: empty, phase: 'failed' })).toBe('the run failed: nothing was planned');
  });

  it('keys piped lines on the counts and the phase, not the clock, the slowest or the estimate', () => {
    const later = { ...view, clock: '[04:15:00 sim]', remainingSeconds: 2 * 3600 };
    expect(progressKey(later)).toBe(progressKey(view));
    const copyingDone = progressCounts(
      midRun.map((r) => (r.status === 'COPYING' ? { ...r, status: 'COMPLETED' as const } : r)),
    );
    expect(progressKey({ ...view, counts: copyingDone })).not.toBe(progressKey(view));
  });
});

describe('progressLine fits the terminal', () => {
  const long = {
    counts: progressCounts(midRun),
    phase: 'Back up each resource',
    slowest: {
      resourceId: 'i-0000000009e37ec73-with-a-long-name',
      type: 'ec2-instance',
      status: 'CREATING' as const,
      elapsedSeconds: 240,
      progress: 62,
    },
    remainingSeconds: 240,
    clock: '[22:59:01 sim]',
  };

  it.each([79, 99, 60, 40, 20])('never takes more than %p columns, coloured or not', (width) => {
    for (const colour of [false, true])
      expect(visibleLength(progressLine(long, colour, width))).toBeLessThanOrEqual(width);
  });

  it('drops the details before the counts: at 79 columns the counts and the estimate stay, uncut', () => {
    const line = progressLine(long, false, 79);
    expect(line).toBe('[22:59:01 sim] 2/5 done, 2 in progress (1 copying), 1 failed; ~4m left');
    // With room, the phase comes back first, then the bar, and last the slowest resource.
    expect(progressLine(long, false, 99)).toBe(
      '[22:59:01 sim] 2/5 done, 2 in progress (1 copying), 1 failed — Back up each resource; ~4m left',
    );
    expect(progressLine(long, false, 120)).toContain('[####');
    expect(progressLine(long, false, 120)).not.toContain('slowest');
  });

  it('is the whole line when it fits', () => {
    expect(progressLine(long, false, 400)).toBe(progressLine(long));
  });
});

describe('progressPrinter', () => {
  const stream = (isTTY: boolean, columns?: number) => {
    const chunks: string[] = [];
    return {
      chunks,
      out: {
        isTTY,
        ...(columns ? { columns } : {}),
        write: (chunk: string) => chunks.push(chunk) > 0,
      } as unknown as NodeJS.WritableStream & { isTTY?: boolean; columns?: number },
    };
  };
  const view = {
    counts: progressCounts(midRun),
    phase: 'Back up each resource',
    slowest: slowestResource(midRun, NOW),
    clock: '[04:00:00 sim]',
  };

  it("redraws within the terminal's width, one column short of it (no wrap at the last column)", () => {
    const { out, chunks } = stream(true, 80);
    const printer = progressPrinter(out, { inPlace: true, env: { TERM: 'xterm' } });
    printer.show(view);
    const drawn = chunks.join('').split('\r\x1b[2K').at(-1) ?? '';
    expect(visibleLength(drawn)).toBeLessThanOrEqual(79);
  });

  it('on TERM=dumb prints plain lines: no escape code, no carriage return, still within the width', () => {
    const { out, chunks } = stream(true, 80);
    const printer = progressPrinter(out, { inPlace: true, env: { TERM: 'dumb' } });
    printer.show(view);
    printer.show({ ...view, phase: 'finished' });
    printer.end();
    const text = chunks.join('');
    expect(text).not.toContain('\x1b');
    expect(text).not.toContain('\r');
    const lines = text.split('\n').filter(Boolean);
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(79);
  });
});

describe('progressPrinter on a pipe', () => {
  it('prints "planning the run…" once, however the phase before the Map is named and the counts grow', () => {
    // Prepare
    const chunks: string[] = [];
    const out = { isTTY: false, write: (chunk: string) => chunks.push(chunk) > 0 } as unknown as NodeJS.WritableStream;
    const printer = progressPrinter(out, { inPlace: false, env: {} });
    const counts = progressCounts(midRun);

    // Act: the CLI's own phase before the first event, then Plan's, while Plan writes items.
    printer.show({ counts: { ...counts, total: 0 }, phase: 'starting' });
    printer.show({ counts: { ...counts, total: 0 }, phase: 'Plan the run' });
    printer.show({ counts, phase: 'Plan the run' });
    printer.show({ counts, phase: 'Back up each resource' });

    // Assess
    const lines = chunks.join('').split('\n').filter(Boolean);
    expect(lines.filter((l) => l.includes('planning the run'))).toHaveLength(1);
    expect(lines).toHaveLength(2);
  });
});

describe('wantsColour', () => {
  it('colours a terminal, never a pipe, NO_COLOR or TERM=dumb', () => {
    expect(wantsColour({ isTTY: true }, {})).toBe(true);
    expect(wantsColour({ isTTY: false }, {})).toBe(false);
    expect(wantsColour({}, {})).toBe(false);
    expect(wantsColour({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(wantsColour({ isTTY: true }, { TERM: 'dumb' })).toBe(false);
  });
});
