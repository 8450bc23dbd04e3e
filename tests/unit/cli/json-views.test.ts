/**
 * The CLI's contract with scripts (docs/cli-json.md) where it is logic, not wiring: the names a tier's and a
 * drill summary's facts get in --json, and which `status` flags go together.
 */
import { tierJson } from '../../../cli/commands/operate';
import { drillJson } from '../../../cli/commands/rto';
import { CliError } from '../../../cli/errors';
import { statusFlags } from '../../../cli/options';

describe('tierJson', () => {
  it('names the age of the last good backup ageHours, as a resource does, and every absent fact null', () => {
    // Prepare: a tier that ran 2 h ago and last succeeded 26 h ago; one that never ran.
    const ran = tierJson({
      tier: 'daily',
      rpoHours: 30,
      lastSuccessAt: '2026-01-04T02:00:00.000Z',
      hoursSince: 26,
      breached: false,
      lastRunAt: '2026-01-05T02:00:00.000Z',
      hoursSinceLastRun: 2,
    });
    const never = tierJson({
      tier: 'yearly',
      rpoHours: undefined,
      lastSuccessAt: undefined,
      hoursSince: undefined,
      breached: false,
      lastRunAt: undefined,
      hoursSinceLastRun: undefined,
    });

    // Assess
    expect(ran).toEqual({
      tier: 'daily',
      rpoHours: 30,
      lastRunAt: '2026-01-05T02:00:00.000Z',
      lastRunAgeHours: 2,
      lastSuccessAt: '2026-01-04T02:00:00.000Z',
      ageHours: 26,
      breached: false,
      overdue: false,
    });
    expect(never).toMatchObject({ rpoHours: null, lastRunAt: null, lastRunAgeHours: null, ageHours: null });
  });
});

describe('drillJson', () => {
  it('names when the last drill started lastDrillAt, as the LAST_DRILL column, and every absent fact null', () => {
    expect(
      drillJson({
        type: 'rds-instance',
        mode: undefined,
        drills: 1,
        lastAt: '2026-01-05T02:00:00.000Z',
        lastPassed: false,
        lastRecoverySeconds: undefined,
        lastError: 'RestoreFailed',
        lastPassedAt: undefined,
        lastPassedRecoverySeconds: undefined,
      }),
    ).toEqual({
      type: 'rds-instance',
      mode: null,
      drills: 1,
      lastDrillAt: '2026-01-05T02:00:00.000Z',
      lastPassed: false,
      lastRecoverySeconds: null,
      lastError: 'RestoreFailed',
      lastPassedAt: null,
      lastPassedRecoverySeconds: null,
    });
  });
});

describe('statusFlags', () => {
  it('lets each view through with its own flags', () => {
    expect(() => statusFlags(undefined, {})).not.toThrow();
    expect(() => statusFlags('daily-1', { retention: true })).not.toThrow();
    expect(() => statusFlags(undefined, { rpo: true, runsGiven: true })).not.toThrow();
    expect(() => statusFlags(undefined, { rto: true })).not.toThrow();
  });

  it.each([
    ['daily-1', { rpo: true }, /--rpo shows every tier, not one run/],
    ['daily-1', { rto: true }, /--rto shows every tier, not one run/],
    [undefined, { retention: true }, /--retention lists the decisions of one run/],
    [undefined, { rto: true, retention: true }, /--retention/],
    [undefined, { runsGiven: true }, /--runs sets how many runs --rpo lists/],
    [undefined, { rto: true, runsGiven: true }, /--runs/],
  ])('refuses run %p with %p, naming the flag', (run, opts, message) => {
    expect(() => statusFlags(run, opts)).toThrow(CliError);
    expect(() => statusFlags(run, opts)).toThrow(message);
  });
});
