/**
 * EventBridge on the emulator (AWS JSON 1.1, `X-Amz-Target: AWSEvents.PutEvents`): the run event the
 * notify step puts lands in the model's `events` list. Errors are AWS JSON error documents.
 */
import type { AwsModel } from '../model';
import { type JsonAction, jsonService } from './json';
import type { ServiceHandler } from './server';

/** The actions the model answers (the workflow tests' SDK mocks answer the same ones). */
export const EVENTS_ACTIONS: Record<string, JsonAction> = {
  PutEvents: (m, r, i) => m.putEvents(r, i as Parameters<AwsModel['putEvents']>[1]),
};

export function eventsService(model: AwsModel): ServiceHandler {
  return jsonService(model, {
    version: '1.1',
    actions: EVENTS_ACTIONS,
    unknownActionCode: 'UnknownOperationException',
  });
}
