/**
 * The ASL's own contract, checked statically: valid per asl-validator, every Task retries Lambda
 * service errors and throttling by name with back-off and FULL jitter, every per-resource task is
 * caught into Record failure, and state names read as sentences in the console.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ASL_PATH, loadDefinition } from '../../local/runner';
import { tierSchema } from '../../shared/config';
import { ERROR_NAMES } from '../../shared/errors';

type State = {
  Type: string;
  Retry?: { ErrorEquals: string[]; BackoffRate?: number; JitterStrategy?: string; MaxDelaySeconds?: number }[];
  Catch?: { ErrorEquals: string[]; Next: string }[];
  [k: string]: unknown;
};
type Machine = { StartAt: string; States: Record<string, State> };

const definition = loadDefinition() as unknown as Machine & { Comment?: string };
const map = definition.States['Back up each resource'] as State & {
  ItemProcessor: Machine & { ProcessorConfig: { Mode: string; ExecutionType: string } };
};
const retentionMap = definition.States['Apply retention in each region'] as State & {
  ItemProcessor: Machine & { ProcessorConfig: { Mode: string; ExecutionType: string } };
};
const allStates = (): [string, State, boolean][] => [
  ...Object.entries(definition.States).map(([n, s]): [string, State, boolean] => [n, s, false]),
  ...Object.entries(map.ItemProcessor.States).map(([n, s]): [string, State, boolean] => [n, s, true]),
  ...Object.entries(retentionMap.ItemProcessor.States).map(([n, s]): [string, State, boolean] => [n, s, true]),
];
const LAMBDA_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];

describe('statemachines/backup.asl.json', () => {
  it('passes asl-validator', () => {
    const bin = join(__dirname, '..', '..', 'node_modules', '.bin', 'asl-validator');
    const out = spawnSync(bin, ['--json-path', ASL_PATH], { encoding: 'utf8' });
    expect(out.stderr + out.stdout).toContain('is valid');
    expect(out.status).toBe(0);
  });

  it('has a Comment and runs each resource as a DISTRIBUTED child of type STANDARD that tolerates every failure', () => {
    expect(definition.Comment).toEqual(expect.any(String));
    expect(map.ItemProcessor.ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' });
    expect(map.ToleratedFailurePercentage).toBe(100);
    expect(map.MaxConcurrencyPath).toBe('$.plan.maxConcurrency');
  });

  it('runs each retention unit as a DISTRIBUTED child, so its delete passes fill its own history, not the parent run', () => {
    expect(retentionMap.ItemProcessor.ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' });
    expect(retentionMap.ItemsPath).toBe('$.retentionPlan.units');
    expect(retentionMap.ResultPath).toBeNull();
  });

  it.each(
    allStates()
      .filter(([, s]) => s.Type === 'Task')
      .map(([n, s, c]) => [n, s, c] as const),
  )(
    'task "%s" retries Lambda service errors and ThrottledError with exponential back-off and FULL jitter',
    (_name, state) => {
      const lambda = state.Retry?.find((r) => LAMBDA_ERRORS.every((e) => r.ErrorEquals.includes(e)));
      const throttled = state.Retry?.find((r) => r.ErrorEquals.includes('ThrottledError'));
      for (const retrier of [lambda, throttled]) {
        expect(retrier).toMatchObject({
          BackoffRate: expect.any(Number),
          JitterStrategy: 'FULL',
          MaxDelaySeconds: expect.any(Number),
        });
        expect(retrier?.BackoffRate).toBeGreaterThan(1);
      }
      // Never retry what DESIGN §6 says must not be retried.
      for (const name of [
        'QuotaExceededError',
        'ResourceNotFoundError',
        'InvalidResourceStateError',
        'InvalidInputError',
      ]) {
        expect(state.Retry?.some((r) => r.ErrorEquals.includes(name) || r.ErrorEquals.includes('States.ALL'))).toBe(
          false,
        );
      }
    },
  );

  it('retries a crashed or timed-out invocation (Lambda.Unknown, Sandbox.Timedout, States.Timeout): every task is idempotent', () => {
    // Sandbox.Timedout is the errorType Lambda reports for a function that ran past its Timeout.
    for (const [, state] of allStates().filter(([, s]) => s.Type === 'Task')) {
      expect(
        state.Retry?.some((r) =>
          ['Lambda.Unknown', 'Sandbox.Timedout', 'States.Timeout'].every((e) => r.ErrorEquals.includes(e)),
        ),
      ).toBe(true);
    }
  });

  it('retries LimitExceededError with long intervals when starting a backup', () => {
    const start = map.ItemProcessor.States['Start backup'];
    const retrier = start?.Retry?.find((r) => r.ErrorEquals.includes('LimitExceededError')) as
      | { IntervalSeconds?: number }
      | undefined;
    expect(retrier?.IntervalSeconds).toBeGreaterThanOrEqual(60);
  });

  it.each(['Start backup', 'Start copies'])(
    '%s keeps retrying a refusal (a database modifying, the pending-snapshot limit, the copy limit) past the longest tier deadline, so the deadline, not the retry count, ends it',
    (state) => {
      const start = map.ItemProcessor.States[state];
      const r = start?.Retry?.find((x) => x.ErrorEquals.includes('LimitExceededError')) as unknown as {
        IntervalSeconds: number;
        MaxAttempts: number;
        BackoffRate: number;
        MaxDelaySeconds: number;
        JitterStrategy?: string;
      };
      // Expected total wait: FULL jitter waits on average half of each capped back-off.
      let expectedSeconds = 0;
      for (let attempt = 0; attempt < r.MaxAttempts; attempt++) {
        const base = Math.min(r.IntervalSeconds * r.BackoffRate ** attempt, r.MaxDelaySeconds);
        expectedSeconds += r.JitterStrategy === 'FULL' ? base / 2 : base;
      }
      const longestDeadlineHours = tierSchema.shape.deadlineHours.unwrap().maxValue ?? Number.NaN;
      expect(expectedSeconds / 3600).toBeGreaterThan(longestDeadlineHours);
    },
  );

  it.each(['Start backup', 'Check backup', 'Start copies', 'Check copies'])(
    '%s keeps retrying throttling past the longest tier deadline, so the start window or the deadline ends it, never a count',
    (state) => {
      const task = map.ItemProcessor.States[state];
      const r = task?.Retry?.find((x) => x.ErrorEquals.includes('ThrottledError')) as unknown as {
        IntervalSeconds: number;
        MaxAttempts: number;
        BackoffRate: number;
        MaxDelaySeconds: number;
        JitterStrategy?: string;
      };
      let expectedSeconds = 0;
      for (let attempt = 0; attempt < r.MaxAttempts; attempt++) {
        const base = Math.min(r.IntervalSeconds * r.BackoffRate ** attempt, r.MaxDelaySeconds);
        expectedSeconds += r.JitterStrategy === 'FULL' ? base / 2 : base;
      }
      const longestDeadlineHours = tierSchema.shape.deadlineHours.unwrap().maxValue ?? Number.NaN;
      expect(expectedSeconds / 3600).toBeGreaterThan(longestDeadlineHours);
      // Each retry is 3 history events: even every attempt leaves room for the polls within 25,000.
      expect(r.MaxAttempts * 3).toBeLessThanOrEqual(15_000);
    },
  );

  it('summarizes, then applies retention, then notifies, so the message says what retention deleted', () => {
    expect(definition.States['Summarize the run']?.Next).toBe('Plan retention');
    expect(definition.States['Plan retention']?.Next).toBe('Apply retention in each region');
    expect(definition.States['Apply retention in each region']?.Next).toBe('Summarize retention');
    expect(definition.States['Summarize retention']?.Next).toBe('Notify operators');
    for (const name of ['Plan retention', 'Apply retention in each region', 'Summarize retention']) {
      expect(definition.States[name]?.Catch?.[0]?.Next).toBe('Notify operators');
    }
    expect(definition.States['Notify operators']?.Next).toBe('Release the run lock');
  });

  it('releases the run lock on every path after Summarize, and a failed release fails nothing', () => {
    const release = definition.States['Release the run lock'];
    expect(definition.States['Notify operators']?.Catch?.[0]?.Next).toBe('Release the run lock');
    expect(release?.Next).toBe('Did every backup succeed?');
    expect(release?.Catch?.[0]).toEqual(
      expect.objectContaining({ ErrorEquals: ['States.ALL'], Next: 'Did every backup succeed?' }),
    );
  });

  it('ends a skipped start in Succeed, past nothing that backs up', () => {
    const choice = definition.States['Is another run of this tier still running?'];
    expect(definition.States['Plan the run']?.Next).toBe('Is another run of this tier still running?');
    expect(choice?.Default).toBe('Back up each resource');
    expect(definition.States['Notify the skipped start']?.Next).toBe('Report the skipped start');
    expect(definition.States['Report the skipped start']?.Next).toBe('Run skipped');
    expect(definition.States['Run skipped']?.Type).toBe('Succeed');
  });

  it('catches every per-resource task except Record failure into Record failure', () => {
    for (const [name, state] of Object.entries(map.ItemProcessor.States)) {
      if (state.Type !== 'Task' || name === 'Record failure') continue;
      expect(state.Catch).toEqual([expect.objectContaining({ ErrorEquals: ['States.ALL'], Next: 'Record failure' })]);
    }
  });

  it('names states as sentences and uses only error names the handlers throw', () => {
    for (const [name] of allStates()) expect(name).toMatch(/^[A-Z][a-z]+( [a-z?]+| [A-Z][a-z]+)*\??$/);
    const known = new Set<string>([
      ...ERROR_NAMES,
      ...LAMBDA_ERRORS,
      'Lambda.Unknown',
      'Sandbox.Timedout',
      'States.Timeout',
      'States.ALL',
    ]);
    for (const [, state] of allStates()) {
      for (const retrier of state.Retry ?? []) for (const e of retrier.ErrorEquals) expect(known.has(e)).toBe(true);
    }
  });
});
