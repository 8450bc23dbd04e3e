/**
 * KMS on the emulator (AWS JSON 1.1, `X-Amz-Target: TrentService.<Action>`): DescribeKey, which the
 * pipeline calls to check a copy's destination key before it starts copying. Keys live in the AWS model
 * per region; timestamps are epoch seconds and errors `{"__type": "NotFoundException"}`, as KMS sends
 * them, so the SDK raises its own NotFoundException.
 */
import { AwsApiError, type AwsModel } from '../aws-model';
import type { ServiceHandler, ServiceResponse } from './server';

type Input = Record<string, unknown>;

const ACTIONS: Record<string, (model: AwsModel, region: string, input: Input) => unknown> = {
  DescribeKey: (m, r, i) => m.describeKey(r, i as Parameters<AwsModel['describeKey']>[1]),
};

const json = (body: unknown, status = 200): ServiceResponse => ({
  status,
  contentType: 'application/x-amz-json-1.1',
  body: JSON.stringify(body),
});

/** JSON.stringify would write a Date as ISO text; AWS JSON protocols send epoch seconds. */
function epochSeconds(value: unknown): unknown {
  if (value instanceof Date) return value.getTime() / 1000;
  if (Array.isArray(value)) return value.map(epochSeconds);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, epochSeconds(v)]));
  return value;
}

export function kmsService(model: AwsModel): ServiceHandler {
  return {
    async handle(request) {
      try {
        const action = ACTIONS[request.action];
        if (!action)
          throw new AwsApiError(
            'UnsupportedOperationException',
            `The sandbox does not implement KMS ${request.action}`,
          );
        if (typeof request.json !== 'object' || request.json === null)
          throw new AwsApiError('SerializationException', 'The request body is not a JSON object');
        return json(epochSeconds(action(model, request.region, request.json as Input)));
      } catch (error) {
        if (error instanceof AwsApiError) return json({ __type: error.code, message: error.message }, error.status);
        throw error;
      }
    },
  };
}
