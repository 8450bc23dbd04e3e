import { loadDefinition, localize, pinStartTime } from '../../local/runner';

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
