/**
 * Lambda Invoke (RequestResponse) for the functions a sandbox registers: a restore drill's validation
 * function. A handler that throws answers as AWS does, with status 200, `FunctionError: Unhandled` and
 * `{ errorMessage, errorType }` as the payload; a function that does not exist is
 * ResourceNotFoundException. Invocations are kept for tests and reports.
 */
import { AwsApiError, arnPartition, Backend } from './core';
import { defineModelService } from './registry';

export type ModelFunction = (event: unknown) => unknown;

export interface Invocation {
  functionArn: string;
  event: unknown;
  at: string;
}

export class LambdaBackend extends Backend {
  readonly functions = new Map<string, ModelFunction>();
  readonly invocations: Invocation[] = [];

  /** Registers (or replaces) a function; returns its ARN. */
  addFunction(region: string, name: string, handler: ModelFunction): string {
    const arn = `arn:${arnPartition(region)}:lambda:${region}:${this.accountId}:function:${name}`;
    this.functions.set(arn, handler);
    return arn;
  }

  async invoke(
    region: string,
    input: { FunctionName?: string; Payload?: string },
  ): Promise<{ StatusCode: number; FunctionError?: string; Payload: string }> {
    const name = input.FunctionName ?? '';
    const arn = name.startsWith('arn:')
      ? name
      : `arn:${arnPartition(region)}:lambda:${region}:${this.accountId}:function:${name}`;
    const handler = this.functions.get(arn);
    if (!handler) throw new AwsApiError('ResourceNotFoundException', `Function not found: ${arn}`, 404);
    let event: unknown;
    try {
      event = input.Payload ? JSON.parse(input.Payload) : {};
    } catch {
      throw new AwsApiError('InvalidRequestContentException', 'Could not parse request body into json', 400);
    }
    this.invocations.push({ functionArn: arn, event, at: new Date(this.nowMs()).toISOString() });
    try {
      return { StatusCode: 200, Payload: JSON.stringify((await handler(event)) ?? null) };
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      return {
        StatusCode: 200,
        FunctionError: 'Unhandled',
        Payload: JSON.stringify({ errorMessage: e.message, errorType: e.name }),
      };
    }
  }
}

/** On the model, `model.invocations` is the invocations (a drill's validation), in order. */
export const lambdaModel = defineModelService({
  name: 'lambda',
  build: (core) => new LambdaBackend(core),
  operations: ['addFunction', 'invoke'],
  views: { invocations: 'invocations' },
});
