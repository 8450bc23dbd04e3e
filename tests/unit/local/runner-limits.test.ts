/**
 * The local runner ends an execution where Step Functions would (issue #9 §2): a state input or output
 * over 256 KiB fails it with States.DataLimitExceeded past every Catch, `States.ALL` included; the
 * 25,000th history event is the failure; and a Distributed Map's failed child is a failed item its
 * ToleratedFailurePercentage may absorb, not a failed Map. Small definitions over the real runner.
 */
import type { LocalHandler } from '../../../local/handlers';
import { runExecution } from '../../../local/runner';
import { VirtualScheduler } from '../../../local/virtual-time';
import { FUNCTION_NAMES, type FunctionName } from '../../../shared/lambda/function-env';

const STATE_MACHINE = 'arn:aws:states:eu-west-1:111122223333:stateMachine:limits';

function handlers(overrides: Partial<Record<FunctionName, LocalHandler>>): Record<FunctionName, LocalHandler> {
  const unused: LocalHandler = async () => {
    throw new Error('not used by this definition');
  };
  return Object.fromEntries(FUNCTION_NAMES.map((fn) => [fn, overrides[fn] ?? unused])) as Record<
    FunctionName,
    LocalHandler
  >;
}

function run(definition: object, input: unknown, overrides: Partial<Record<FunctionName, LocalHandler>>) {
  return runExecution({
    input,
    stateMachineArn: STATE_MACHINE,
    handlers: handlers(overrides),
    scheduler: new VirtualScheduler(),
    accountId: '111122223333',
    region: 'eu-west-1',
    definition: definition as never,
  });
}

/** One Lambda task that catches everything into `Caught`. */
function caughtTask(parameters: object) {
  return {
    StartAt: 'Plan the run',
    States: {
      'Plan the run': {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: `\${PlanRunFunctionArn}`, ...parameters },
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Caught' }],
        End: true,
      },
      Caught: { Type: 'Pass', End: true },
    },
  };
}

describe('runner: 256 KiB payloads', () => {
  it('fails the execution with States.DataLimitExceeded when a task returns over 256 KiB, which States.ALL does not catch', async () => {
    // Act
    const result = await run(caughtTask({ 'Payload.$': '$' }), {}, { 'plan-run': async () => 'x'.repeat(300_000) });

    // Assess
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('States.DataLimitExceeded');
    expect(result.cause).toBe(
      "The state/task 'Plan the run' returned a result with a size exceeding the maximum number of bytes service limit.",
    );
    expect(result.events.map((e) => e.state)).not.toContain('Caught');
  });

  it('fails before invoking a task whose input after Parameters is over 256 KiB', async () => {
    // Prepare: each field fits, the two together do not
    const blob = 'b'.repeat(150_000);
    let invoked = 0;

    // Act
    const result = await run(
      caughtTask({ Payload: { 'first.$': '$.blob', 'second.$': '$.blob' } }),
      { blob },
      {
        'plan-run': async () => {
          invoked++;
          return {};
        },
      },
    );

    // Assess
    expect([result.status, result.error, invoked]).toEqual(['FAILED', 'States.DataLimitExceeded', 0]);
  });

  it('fails when a state output (here a Pass that grows its input) is over 256 KiB', async () => {
    // Prepare
    const definition = {
      StartAt: 'Grow',
      States: { Grow: { Type: 'Pass', Parameters: { 'a.$': '$.blob', 'b.$': '$.blob' }, End: true } },
    };

    // Act
    const result = await run(definition, { blob: 'b'.repeat(150_000) }, {});

    // Assess
    expect([result.status, result.error]).toEqual(['FAILED', 'States.DataLimitExceeded']);
    expect(result.cause).toContain("'Grow'");
  });

  it('lets a task result just under 256 KiB through and records the high-water mark', async () => {
    // Act
    const result = await run(caughtTask({ 'Payload.$': '$' }), {}, { 'plan-run': async () => 'x'.repeat(250_000) });

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(result.stats.payloadHighWaterBytes).toBeGreaterThan(250_000);
    expect(result.stats.payloadHighWaterBytes).toBeLessThanOrEqual(256 * 1024);
  });
});

describe('runner: 25,000 history events', () => {
  it('fails a looping execution with States.Runtime when its history reaches 25,000 events', async () => {
    // Prepare: a Choice that loops forever, as in AWS's own reproduction of the cut
    const definition = {
      StartAt: 'Spin',
      States: {
        Spin: { Type: 'Pass', Next: 'Again?' },
        'Again?': {
          Type: 'Choice',
          Choices: [{ Variable: '$.spin', BooleanEquals: true, Next: 'Spin' }],
          Default: 'Done',
        },
        Done: { Type: 'Succeed' },
      },
    };

    // Act
    const result = await run(definition, { spin: true }, {});

    // Assess
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('States.Runtime');
    expect(result.cause).toBe('The execution reached the maximum number of history events (25000).');
    expect(result.stats.parentHistoryEvents).toBeGreaterThan(24_990);
    expect(result.stats.parentHistoryEvents).toBeLessThanOrEqual(25_002);
  }, 60_000);
});

describe('runner: 25,000 history events per Distributed Map child', () => {
  it('fails only the child whose own history reaches 25,000 events; the parent and its other children go on', async () => {
    // Prepare: each item is a child execution; the first spins forever
    const definition = {
      StartAt: 'Each item',
      States: {
        'Each item': {
          Type: 'Map',
          ItemsPath: '$.items',
          ToleratedFailurePercentage: 100,
          ItemProcessor: {
            ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
            StartAt: 'Spin',
            States: {
              Spin: { Type: 'Pass', Next: 'Again?' },
              'Again?': {
                Type: 'Choice',
                Choices: [{ Variable: '$.spin', BooleanEquals: true, Next: 'Spin' }],
                Default: 'Done',
              },
              Done: { Type: 'Succeed' },
            },
          },
          End: true,
        },
      },
    };

    // Act
    const result = await run(definition, { items: [{ spin: true }, { spin: false }] }, {});

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect((result.output as unknown[])[0]).toMatchObject({ Error: 'States.Runtime', Status: 'FAILED' });
    expect((result.output as unknown[])[1]).toEqual({ spin: false });
    expect(Math.max(...result.stats.childHistoryEvents)).toBeGreaterThan(24_990);
    expect(result.stats.parentHistoryEvents).toBeLessThan(20);
  }, 60_000);
});

describe('runner: Distributed Map failure tolerance', () => {
  /** A DISTRIBUTED Map over `$.items` whose child runs one uncaught task; the Map's errors are caught. */
  function distributedMap(tolerance: object) {
    return {
      StartAt: 'Each item',
      States: {
        'Each item': {
          Type: 'Map',
          ItemsPath: '$.items',
          ...tolerance,
          ItemProcessor: {
            ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
            StartAt: 'Work',
            States: {
              Work: {
                Type: 'Task',
                Resource: 'arn:aws:states:::lambda:invoke',
                Parameters: { FunctionName: `\${StartBackupFunctionArn}`, 'Payload.$': '$' },
                OutputPath: '$.Payload',
                End: true,
              },
            },
          },
          Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.mapError', Next: 'Map failed' }],
          End: true,
        },
        'Map failed': { Type: 'Pass', End: true },
      },
    };
  }

  /** Item "bad" fails (a named error no Catch handles) after the others have started; the rest finish later. */
  function work(done: string[]): LocalHandler {
    return async (item) => {
      if (item === 'bad') {
        const error = new Error('the child gave up');
        error.name = 'Boom';
        throw error;
      }
      await new Promise((r) => setTimeout(r, 30));
      done.push(String(item));
      return `${String(item)} ok`;
    };
  }

  it('keeps running the other children and succeeds when ToleratedFailurePercentage is 100', async () => {
    // Prepare
    const done: string[] = [];

    // Act
    const result = await run(
      distributedMap({ ToleratedFailurePercentage: 100 }),
      { items: ['a', 'bad', 'c'] },
      { 'start-backup': work(done) },
    );

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(done.sort()).toEqual(['a', 'c']);
    expect(result.output).toEqual([
      'a ok',
      expect.objectContaining({ Error: 'Boom', Cause: 'the child gave up', Status: 'FAILED' }),
      'c ok',
    ]);
    expect(result.events.map((e) => e.state)).not.toContain('Map failed');
    expect(result.stats.childHistoryEvents).toHaveLength(3);
  });

  it('fails the Map with States.ExceedToleratedFailureThreshold past its tolerance (catchable)', async () => {
    // Act
    const result = await run(
      distributedMap({ ToleratedFailurePercentage: 10 }),
      { items: ['a', 'bad', 'c'] },
      { 'start-backup': work([]) },
    );

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ mapError: { Error: 'States.ExceedToleratedFailureThreshold' } });
  });

  it('tolerates a child that ends with States.DataLimitExceeded: only that child execution fails', async () => {
    // Prepare
    const done: string[] = [];
    const big: LocalHandler = async (item, context) =>
      item === 'bad' ? 'x'.repeat(300_000) : work(done)(item, context);

    // Act
    const result = await run(
      distributedMap({ ToleratedFailurePercentage: 100 }),
      { items: ['a', 'bad', 'c'] },
      { 'start-backup': big },
    );

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect((result.output as unknown[])[1]).toMatchObject({ Error: 'States.DataLimitExceeded', Status: 'FAILED' });
    expect(done.sort()).toEqual(['a', 'c']);
  });
});
