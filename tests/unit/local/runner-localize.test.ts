import { HANDLERS } from '../../../local/handlers';
import { loadDefinition, localize, pinStartTime, runExecution } from '../../../local/runner';
import { VirtualScheduler } from '../../../local/virtual-time';

describe('localize', () => {
  it('maps every Task to a real handler by its FunctionName placeholder and rewrites Waits for the virtual clock', () => {
    const { definition, states } = localize(loadDefinition());
    expect(states.get('Plan the run')?.fn).toBe('plan-run');
    expect(states.get('Check backup')).toMatchObject({ fn: 'check-backup', child: true });
    expect(states.get('Wait for backup')?.type).toBe('Wait');
    const map = definition.States['Back up each resource'] as unknown as {
      ItemProcessor: { States: Record<string, { Type: string; Parameters?: unknown }>; ProcessorConfig?: unknown };
    };
    expect(map.ItemProcessor.ProcessorConfig).toBeUndefined();
    expect(map.ItemProcessor.States['Wait for backup']).toMatchObject({
      Type: 'Task',
      Parameters: { 'seconds.$': '$.backup.waitSeconds' },
    });
  });

  it("turns the Map's ItemReader and ResultWriter into hidden steps around it that the runner counts as the Map", () => {
    // Act
    const { definition, states, hidden } = localize(loadDefinition());

    // Assess
    // Plan goes on through the run-lock Choice, whose default path backs up.
    const choice = definition.States['Is another run of this tier still running?'] as { Default?: string };
    const reader = definition.States['Back up each resource (read items)'] as Record<string, unknown>;
    const map = definition.States['Back up each resource'] as Record<string, unknown>;
    const writer = definition.States['Back up each resource (write results)'] as Record<string, unknown>;
    expect(choice.Default).toBe('Back up each resource (read items)');
    expect(reader).toMatchObject({
      Type: 'Task',
      Parameters: { 'Bucket.$': '$.plan.items.bucket', 'Key.$': '$.plan.items.key' },
      ResultPath: null,
      Next: 'Back up each resource',
      Catch: [expect.objectContaining({ Next: 'Summarize the run' })],
    });
    expect(map).toMatchObject({
      ItemsPath: '$$.LocalItems.m0',
      ResultPath: null,
      Next: 'Back up each resource (write results)',
    });
    expect(map.ItemReader).toBeUndefined();
    expect(map.ResultWriter).toBeUndefined();
    expect(writer).toMatchObject({
      Parameters: { 'Bucket.$': '$.plan.items.bucket', 'Prefix.$': '$.plan.items.resultsPrefix' },
      ResultSelector: { 'mapRunArn.$': '$.MapRunArn', 'results.$': '$.ResultWriterDetails' },
      ResultPath: '$.backups',
      Next: 'Summarize the run',
    });
    expect([...hidden.values()].map((step) => [step.kind, step.map])).toEqual([
      ['read-items', 'Back up each resource'],
      ['write-results', 'Back up each resource'],
    ]);
    expect(states.has('Back up each resource (read items)')).toBe(false);
    expect(states.get('Back up each resource')?.map).toMatchObject({ distributed: true, itemsKey: 'm0' });
  });

  it('refuses a definition whose task invokes a function it does not know', () => {
    const definition = {
      StartAt: 'X',
      States: {
        X: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: `\${NopeFunctionArn}` },
          End: true,
        },
      },
    };
    expect(() => localize(definition)).toThrow(
      `task "X" invokes \${NopeFunctionArn}, which no local handler implements`,
    );
  });
});

describe('pinStartTime', () => {
  it('gives Plan the virtual start time, which aws-local-stepfunctions would stamp from the wall clock', () => {
    // Act
    const pinned = pinStartTime(loadDefinition(), '2026-01-01T02:00:00.000Z');

    // Assess
    const plan = pinned.States['Plan the run'] as unknown as { Parameters: { Payload: Record<string, unknown> } };
    expect(plan.Parameters.Payload).toMatchObject({
      startedAt: '2026-01-01T02:00:00.000Z',
      'runId.$': '$$.Execution.Name',
    });
    expect(plan.Parameters.Payload['startedAt.$']).toBeUndefined();
    expect(JSON.stringify(pinned)).not.toContain('$$.Execution.StartTime');
  });
});

describe('a Wait on the wall clock', () => {
  afterEach(() => jest.useRealTimers());

  it('waits 90 s and goes on, where a Task without TimeoutSeconds would die with States.Timeout at 60 s', async () => {
    // Prepare: real time (as under --endpoint), with jest's clock standing in for the wall clock so
    // the test takes milliseconds; aws-local-stepfunctions times a Task out with setTimeout.
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    const scheduler = new VirtualScheduler(new Date(), 1);
    const definition = {
      StartAt: 'Wait for backup',
      States: {
        'Wait for backup': { Type: 'Wait', Seconds: 90, Next: 'Done' },
        Done: { Type: 'Succeed' },
      },
    };

    // Act
    let result: Awaited<ReturnType<typeof runExecution>> | undefined;
    const running = runExecution({
      input: {},
      definition,
      stateMachineArn: 'arn:aws:states:eu-west-1:444455556666:stateMachine:t',
      handlers: HANDLERS,
      scheduler,
      accountId: '444455556666',
      region: 'eu-west-1',
    }).then((r) => {
      result = r;
    });
    for (let ms = 0; ms < 120_000 && !result; ms += 250) {
      await new Promise((r) => setImmediate(r));
      await jest.advanceTimersByTimeAsync(250);
    }
    await running;
    scheduler.stop();

    // Assess
    expect([result?.status, result?.error]).toEqual(['SUCCEEDED', undefined]);
    expect(scheduler.nowMs() - (result?.startedAt.getTime() ?? 0)).toBeGreaterThanOrEqual(90_000);
  });
});
