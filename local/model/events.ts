/**
 * EventBridge PutEvents on any bus: entries are validated as AWS does (1 to 10, JSON detail, 256 KB) and
 * kept in order for tests and reports. Account-wide, no per-region state.
 */
import { AwsApiError, Backend, type ServiceApi } from './core';
import { defineModelService } from './registry';

/** How events answers the core's injected faults (./core.ts ServiceApi): EventBridge throttles with Throttling (as the model always has). */
export const EVENTS_API: ServiceApi = {
  name: 'events',
  throttleCode: 'Throttling',
  throttleStatus: 400,
  internalErrorCode: 'InternalException',
};

export interface BusEvent {
  EventBusName: string;
  Source: string;
  DetailType: string;
  Detail: unknown;
  Resources: string[];
  at: string;
}

export class EventsBackend extends Backend {
  readonly events: BusEvent[] = [];

  putEvents(
    _region: string,
    input: {
      Entries?: {
        EventBusName?: string;
        Source?: string;
        DetailType?: string;
        Detail?: string;
        Resources?: string[];
      }[];
    },
  ) {
    this.gate(EVENTS_API, 'PutEvents');
    const entries = input.Entries ?? [];
    if (entries.length === 0 || entries.length > 10)
      throw new AwsApiError('ValidationException', 'Entries must hold 1 to 10 events');
    const results = entries.map((entry) => {
      let detail: unknown;
      try {
        detail = JSON.parse(entry.Detail ?? '');
      } catch {
        return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is not valid JSON' };
      }
      if (!entry.Source || !entry.DetailType)
        return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Source and DetailType are required' };
      if (Buffer.byteLength(entry.Detail ?? '') > 256 * 1024)
        return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Event is larger than 256 KB' };
      this.events.push({
        EventBusName: entry.EventBusName ?? 'default',
        Source: entry.Source,
        DetailType: entry.DetailType,
        Detail: detail,
        Resources: entry.Resources ?? [],
        at: this.core.clock.now().toISOString(),
      });
      return { EventId: `evt-${this.events.length}` };
    });
    return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
  }
}

export const eventsModel = defineModelService({
  name: 'events',
  build: (core) => new EventsBackend(core),
  operations: ['putEvents'],
  views: { events: 'events' },
});
