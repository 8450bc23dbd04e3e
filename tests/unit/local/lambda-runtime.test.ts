/**
 * local/lambda-runtime.ts: the Lambda calling convention the sandbox applies to every handler (the
 * source handlers of `npm start` and the deployed bundles), so Lambda's limits fail here as in AWS.
 */
import { HANDLERS } from '../../../local/handlers';
import {
  invokeAsLambda,
  type LambdaHandler,
  LambdaInvocationError,
  RESPONSE_LIMIT_BYTES,
} from '../../../local/lambda-runtime';

const invocation = {
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:111122223333:function:backup-pipeline-plan-run',
  awsRequestId: '8f5a2b1c-0000-4000-8000-000000000001',
  functionName: 'backup-pipeline-plan-run',
};
const limits = { timeoutSeconds: 1, memorySize: 256 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('invokeAsLambda', () => {
  it('passes the event and returns the result through JSON, as Lambda serializes them', async () => {
    // Prepare
    let seen: unknown;
    const handler: LambdaHandler = async (event) => {
      seen = event;
      return { at: new Date('2026-01-02T03:04:05.000Z'), gone: undefined, n: 1 };
    };

    // Act
    const out = await invokeAsLambda(handler, limits)({ at: new Date(0), skip: undefined }, invocation);

    // Assess
    expect(seen).toEqual({ at: '1970-01-01T00:00:00.000Z' });
    expect(out).toEqual({ at: '2026-01-02T03:04:05.000Z', n: 1 });
    expect(await invokeAsLambda(async () => undefined, limits)({}, invocation)).toBeNull();
  });

  it("gives the handler Lambda's context: request id, function ARN and name, memory, remaining time", async () => {
    // Prepare
    const handler: LambdaHandler = async (_event, context) => {
      await sleep(50);
      return { ...context, remaining: context.getRemainingTimeInMillis() };
    };

    // Act
    const out = (await invokeAsLambda(handler, limits)({}, invocation)) as Record<string, unknown>;

    // Assess
    expect(out).toMatchObject({
      awsRequestId: invocation.awsRequestId,
      invokedFunctionArn: invocation.invokedFunctionArn,
      functionName: invocation.functionName,
      functionVersion: '$LATEST',
      memoryLimitInMB: '256',
      logGroupName: '/aws/lambda/backup-pipeline-plan-run',
    });
    expect(out.remaining).toBeGreaterThan(0);
    expect(out.remaining).toBeLessThanOrEqual(950);
  });

  it("surfaces a thrown error under its name, the runtime's errorType, whatever its class", async () => {
    // Prepare
    class l extends Error {
      override name = 'ThrottledError';
    }

    // Act / Assess
    await expect(
      invokeAsLambda(() => Promise.reject(new l('slow down')), limits)({}, invocation),
    ).rejects.toMatchObject({ name: 'ThrottledError', message: 'slow down' });
    await expect(invokeAsLambda(() => Promise.reject('plain string'), limits)({}, invocation)).rejects.toMatchObject({
      name: 'string',
      message: 'plain string',
    });
  });

  it('fails a response over 6 MB as Function.ResponseSizeTooLarge, and lets one at the limit through', async () => {
    // Prepare: a JSON string result serializes with its two quotes.
    const atLimit = 'a'.repeat(RESPONSE_LIMIT_BYTES - 2);

    // Act / Assess
    await expect(invokeAsLambda(async () => `${atLimit}a`, limits)({}, invocation)).rejects.toMatchObject({
      name: 'Function.ResponseSizeTooLarge',
      message: 'Response payload size exceeded maximum allowed payload size (6291556 bytes).',
    });
    await expect(invokeAsLambda(async () => atLimit, limits)({}, invocation)).resolves.toHaveLength(atLimit.length);
  });

  it('fails an invocation that runs past its Timeout as Sandbox.Timedout, and ignores its late result', async () => {
    // Prepare
    const started = performance.now();
    const handler: LambdaHandler = async () => {
      await sleep(1500);
      return 'too late';
    };

    // Act / Assess
    await expect(invokeAsLambda(handler, limits)({}, invocation)).rejects.toMatchObject({
      name: 'Sandbox.Timedout',
      message: `RequestId: ${invocation.awsRequestId} Error: Task timed out after 1.00 seconds`,
    });
    expect(performance.now() - started).toBeGreaterThanOrEqual(990);
    expect(performance.now() - started).toBeLessThan(1400);
    await sleep(600); // the abandoned invocation settles without an unhandled rejection
  });

  it('refuses a timeout Lambda does not offer (1-900 s)', () => {
    expect(() => invokeAsLambda(async () => 1, { timeoutSeconds: 901, memorySize: 128 })).toThrow(/1-900/);
    expect(() => invokeAsLambda(async () => 1, { timeoutSeconds: 0, memorySize: 128 })).toThrow(/1-900/);
  });
});

describe('HANDLERS (the source handlers of npm start)', () => {
  it("are called through Lambda's convention: an invalid event fails under the runtime's errorType", async () => {
    const call = HANDLERS['record-result']({ nonsense: true }, invocation);
    await expect(call).rejects.toBeInstanceOf(LambdaInvocationError);
    await expect(call).rejects.toMatchObject({
      name: 'TypeError',
      message: expect.stringContaining('record-result: invalid event'),
    });
  });
});
