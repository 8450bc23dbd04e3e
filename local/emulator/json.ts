/**
 * The AWS JSON protocols (1.0: DynamoDB; 1.1: KMS, EventBridge) on the emulator: ONE handler for every
 * service that speaks them. A service is a table of action -> model call; the SDK-shaped output is
 * written with timestamps as epoch seconds, and an AwsApiError as `{"__type", "message"}` with its
 * status, which is what the SDK's deserializer turns back into the service's named exception.
 */
import { AwsApiError, type AwsModel } from '../model';
import type { ServiceHandler, ServiceRequest, ServiceResponse } from './server';

export type JsonInput = Record<string, unknown>;
export type JsonAction = (model: AwsModel, region: string, input: JsonInput) => unknown;

export interface JsonServiceSpec {
  version: '1.0' | '1.1';
  actions: Record<string, JsonAction>;
  /** The `__type` of an error code (DynamoDB prefixes its namespace; KMS and EventBridge do not). */
  errorType?: (code: string) => string;
  /** The code AWS answers an unknown action with, e.g. UnknownOperationException. */
  unknownActionCode: string;
  /** For a service that is also proxied: which requests this table answers (default: its actions). */
  accepts?: (request: ServiceRequest) => boolean;
}

/** JSON.stringify would write a Date as ISO text (Date#toJSON runs before any replacer): convert first. */
export function epochSeconds(value: unknown): unknown {
  if (value instanceof Date) return value.getTime() / 1000;
  if (Array.isArray(value)) return value.map(epochSeconds);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, epochSeconds(v)]));
  return value;
}

export function jsonService(model: AwsModel, spec: JsonServiceSpec): ServiceHandler {
  const respond = (body: unknown, status = 200): ServiceResponse => ({
    status,
    contentType: `application/x-amz-json-${spec.version}`,
    body: JSON.stringify(body),
  });
  return {
    ...(spec.accepts ? { accepts: spec.accepts } : {}),
    async handle(request) {
      try {
        const action = spec.actions[request.action];
        if (!action) throw new AwsApiError(spec.unknownActionCode, `The sandbox does not implement ${request.action}`);
        if (typeof request.json !== 'object' || request.json === null)
          throw new AwsApiError('SerializationException', 'The request body is not a JSON object');
        return respond(epochSeconds(action(model, request.region, request.json as JsonInput)));
      } catch (error) {
        if (!(error instanceof AwsApiError)) throw error;
        const type = spec.errorType ? spec.errorType(error.code) : error.code;
        return respond({ __type: type, message: error.message }, error.status);
      }
    },
  };
}
