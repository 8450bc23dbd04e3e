/**
 * X-Ray tracing (shared/lambda/powertools.ts, clients.ts, handler.ts): every client the per-region
 * factory makes is captured, the handler wrapper opens and closes the invocation's subsegment, and
 * outside Lambda all of it is off.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type * as Clients from '../../../shared/lambda/clients';
import type * as Handler from '../../../shared/lambda/handler';
import type * as Powertools from '../../../shared/lambda/powertools';

const XRAY_MIDDLEWARE = 'XRaySDKInstrumentation';

type Loaded = { clients: typeof Clients; handler: typeof Handler; powertools: typeof Powertools };

/** The modules as Lambda loads them: the Tracer reads AWS_EXECUTION_ENV once, when it is created. */
function loadInLambda(executionEnv = 'AWS_Lambda_nodejs24.x'): Loaded {
  const saved = { ...process.env };
  // HTTP capture is turned off so that loading patches no global module.
  Object.assign(process.env, {
    AWS_EXECUTION_ENV: executionEnv,
    POWERTOOLS_TRACER_CAPTURE_HTTPS_REQUESTS: 'false',
  });
  try {
    let loaded: Loaded | undefined;
    jest.isolateModules(() => {
      loaded = {
        clients: require('../../../shared/lambda/clients'),
        handler: require('../../../shared/lambda/handler'),
        powertools: require('../../../shared/lambda/powertools'),
      };
    });
    if (!loaded) throw new Error('modules did not load');
    return loaded;
  } finally {
    process.env = saved;
  }
}

/** The same probe as Lambda loads the modules: there the tracer package is loaded. */
function loadInLambdaProbe(): boolean {
  let loaded = false;
  jest.isolateModules(() => {
    jest.doMock('@aws-lambda-powertools/tracer', () => {
      loaded = true;
      return jest.requireActual('@aws-lambda-powertools/tracer');
    });
  });
  loadInLambda();
  return loaded;
}

const middlewareOf = (client: { middlewareStack: { identify(): string[] } }) =>
  client.middlewareStack.identify().map((entry) => entry.split(' ')[0]);

describe('perRegion (X-Ray capture)', () => {
  it('captures every client it makes for X-Ray in Lambda', () => {
    // Prepare
    const { clients, powertools } = loadInLambda();
    const ec2 = clients.perRegion('EC2', (region) => new EC2Client({ region }));

    // Act
    const client = ec2('eu-west-1');

    // Assess
    expect(powertools.tracer?.isTracingEnabled()).toBe(true);
    expect(middlewareOf(client)).toContain(XRAY_MIDDLEWARE);
  });

  it('captures a document client, whose calls go through its client stack', () => {
    const { clients } = loadInLambda();
    const documents = clients.perRegion('DYNAMODB', (region) =>
      DynamoDBDocumentClient.from(new DynamoDBClient({ region })),
    );

    const client = documents('eu-west-1');

    expect(middlewareOf(client)).toContain(XRAY_MIDDLEWARE);
  });

  it('leaves clients untouched outside Lambda (tests, the sandbox, the CLI)', () => {
    // Prepare: this module registry is the ordinary one, with no AWS_EXECUTION_ENV
    const { perRegion } = require('../../../shared/lambda/clients') as typeof Clients;
    const { tracer } = require('../../../shared/lambda/powertools') as typeof Powertools;

    // Act
    const client = perRegion('EC2', (region) => new EC2Client({ region }))('eu-west-1');

    // Assess
    expect(tracer).toBeUndefined();
    expect(middlewareOf(client)).not.toContain(XRAY_MIDDLEWARE);
  });

  it("never loads X-Ray's SDK outside Lambda (its async hooks slow every promise in the process)", () => {
    // Prepare: a probe that records whether the tracer package is loaded at all
    let loaded = false;
    jest.isolateModules(() => {
      jest.doMock('@aws-lambda-powertools/tracer', () => {
        loaded = true;
        return jest.requireActual('@aws-lambda-powertools/tracer');
      });

      // Act
      require('../../../shared/lambda/handler');
      require('../../../shared/lambda/clients');
    });

    // Assess
    expect(loaded).toBe(false);
    expect(loadInLambdaProbe()).toBe(true);
  });

  it.each(['AWS_ECS_FARGATE', 'CloudShell'])(
    'stays off where AWS_EXECUTION_ENV is %s (not Lambda, no X-Ray segment)',
    (executionEnv) => {
      const { clients, powertools } = loadInLambda(executionEnv);

      const client = clients.perRegion('EC2', (region) => new EC2Client({ region }))('eu-west-1');

      expect(powertools.tracer).toBeUndefined();
      expect(middlewareOf(client)).not.toContain(XRAY_MIDDLEWARE);
    },
  );
});

describe('defineHandler (X-Ray subsegment)', () => {
  it("opens the invocation's subsegment with the run and resource annotated, and closes it", async () => {
    // Prepare: a facade segment as Lambda gives one, observed through the tracer's own API
    const { handler, powertools } = loadInLambda();
    const tracer = powertools.tracer as NonNullable<typeof powertools.tracer>;
    const subsegment = { close: jest.fn() };
    const facade = { addNewSubsegment: jest.fn(() => subsegment) };
    jest.spyOn(tracer, 'getSegment').mockReturnValue(facade as never);
    const setSegment = jest.spyOn(tracer, 'setSegment').mockImplementation(() => undefined);
    const putAnnotation = jest.spyOn(tracer, 'putAnnotation').mockImplementation(() => undefined);
    const putMetadata = jest.spyOn(tracer, 'putMetadata').mockImplementation(() => undefined);
    const traced = handler.defineHandler(
      'check-backup',
      z.object({ runId: z.string(), resource: z.object({ arn: z.string() }) }),
      async () => ({ status: 'COMPLETED' }),
    );

    // Act
    await traced({ runId: 'run-1', resource: { arn: 'arn:aws:rds:eu-west-1:111122223333:db:orders' } });

    // Assess
    expect(facade.addNewSubsegment).toHaveBeenCalledWith('## check-backup');
    expect(setSegment.mock.calls).toEqual([[subsegment], [facade]]);
    expect(putAnnotation).toHaveBeenCalledWith('runId', 'run-1');
    expect(putAnnotation).toHaveBeenCalledWith('resource', 'arn:aws:rds:eu-west-1:111122223333:db:orders');
    expect(subsegment.close).toHaveBeenCalledTimes(1);
    expect(putMetadata).not.toHaveBeenCalled();
  });

  it('closes the subsegment and records the error when the task throws', async () => {
    const { handler, powertools } = loadInLambda();
    const tracer = powertools.tracer as NonNullable<typeof powertools.tracer>;
    const subsegment = { close: jest.fn() };
    jest.spyOn(tracer, 'getSegment').mockReturnValue({ addNewSubsegment: () => subsegment } as never);
    jest.spyOn(tracer, 'setSegment').mockImplementation(() => undefined);
    jest.spyOn(tracer, 'putAnnotation').mockImplementation(() => undefined);
    const addError = jest.spyOn(tracer, 'addErrorAsMetadata').mockImplementation(() => undefined);
    jest.spyOn(powertools.logger, 'error').mockImplementation(() => undefined);
    const failing = handler.defineHandler('notify', z.object({ runId: z.string() }), async () => {
      throw new Error('boom');
    });

    await expect(failing({ runId: 'run-1' })).rejects.toThrow('boom');

    expect(addError).toHaveBeenCalledWith(expect.objectContaining({ message: 'boom' }));
    expect(subsegment.close).toHaveBeenCalledTimes(1);
  });
});
