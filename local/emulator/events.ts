/**
 * EventBridge on the emulator (AWS JSON 1.1, `X-Amz-Target: AWSEvents.PutEvents`): the run event the
 * notify step puts lands in the model's `events` list. Errors are AWS JSON error documents.
 */
import { AwsApiError, type AwsModel } from '../aws-model';
import type { ServiceHandler, ServiceResponse } from './server';

const json = (body: unknown, status = 200): ServiceResponse => ({
  status,
  contentType: 'application/x-amz-json-1.1',
  body: JSON.stringify(body),
});

export function eventsService(model: AwsModel): ServiceHandler {
  return {
    async handle(request) {
      try {
        if (request.action !== 'PutEvents') {
          throw new AwsApiError(
            'UnknownOperationException',
            `The sandbox does not implement EventBridge ${request.action}`,
          );
        }
        return json(model.putEvents(request.region, request.json as Parameters<AwsModel['putEvents']>[1]));
      } catch (error) {
        if (error instanceof AwsApiError) return json({ __type: error.code, message: error.message }, error.status);
        throw error;
      }
    },
  };
}
