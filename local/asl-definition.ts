/**
 * The ASL as the local runner executes it: the project's own files (the ones CDK deploys), read and
 * localized for aws-local-stepfunctions: each Task's `${Placeholder}` mapped to its handler, retriers
 * and Map settings kept for the runner to apply, DISTRIBUTED Maps made inline with their ItemReader and
 * ResultWriter as hidden steps (./map-io.ts), and `$$.Execution.StartTime` pinned to the virtual start.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FUNCTION_NAMES, type FunctionName, placeholderOf } from '../shared/lambda/function-env';
import { type HiddenStep, localizeMapIo } from './map-io';

export const ASL_PATH = join(__dirname, '..', 'statemachines', 'backup.asl.json');
export const RESTORE_ASL_PATH = join(__dirname, '..', 'statemachines', 'restore.asl.json');

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type StateDef = { Type: string; [k: string]: unknown };
export type Definition = { StartAt: string; States: Record<string, StateDef>; [k: string]: unknown };
type Retrier = {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: string;
};

export function loadDefinition(path = ASL_PATH): Definition {
  return JSON.parse(readFileSync(path, 'utf8')) as Definition;
}

export interface StateInfo {
  type: string;
  /** The function a Task invokes, from its `${XFunctionArn}` placeholder. */
  fn?: FunctionName;
  retry: Retrier[];
  /** True for states inside the Map's item processor (a child execution in AWS). */
  child: boolean;
  /** A Map: how its Map Run treats failed children (DISTRIBUTED: each child is its own execution). */
  map?: MapRunConfig;
}

interface MapRunConfig {
  distributed: boolean;
  /** Where the Map reads its items, when a plain `$.a.b` path (the Map Run's item count, for its tolerance). */
  itemsPath?: string;
  /** The items an ItemReader read, by this key of the run's local item store (instead of itemsPath). */
  itemsKey?: string;
  toleratedFailurePercentage?: number;
  toleratedFailureCount?: number;
}

const PLACEHOLDER_TO_FUNCTION = new Map(FUNCTION_NAMES.map((name) => [`\${${placeholderOf(name)}}`, name]));

/**
 * The timeout of a Wait rewritten as a Task. A Wait has no timeout in AWS, but aws-local-stepfunctions
 * gives a Task without `TimeoutSeconds` one of 60 s, on the wall clock: under real time (`--endpoint`)
 * every wait of a minute or more would die with States.Timeout. This is the longest delay Node's
 * setTimeout honours (2^31-1 ms, about 24.8 days; beyond it fires at once), far above any poll wait.
 */
export const WAIT_TASK_TIMEOUT_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** Walks the definition: every state's type, function and retriers; rewrites Waits for the virtual clock. */
export function localize(definition: Definition): {
  definition: Definition;
  states: Map<string, StateInfo>;
  hidden: Map<string, HiddenStep>;
} {
  const copy = JSON.parse(JSON.stringify(definition)) as Definition;
  const states = new Map<string, StateInfo>();
  const hidden = new Map<string, HiddenStep>();
  const visit = (machine: Definition, child: boolean) => {
    for (const [name, state] of Object.entries(machine.States)) {
      if (states.has(name)) throw new Error(`state name "${name}" is used twice; the runner keys by name`);
      const info: StateInfo = { type: state.Type, retry: (state.Retry as Retrier[] | undefined) ?? [], child };
      if (state.Type === 'Task') {
        const placeholder = (state.Parameters as { FunctionName?: string } | undefined)?.FunctionName ?? '';
        const fn = PLACEHOLDER_TO_FUNCTION.get(placeholder);
        if (!fn)
          throw new Error(`task "${name}" invokes ${placeholder || 'nothing'}, which no local handler implements`);
        info.fn = fn;
      }
      if (state.Type === 'Wait') {
        // A Task that sleeps on the virtual clock: same name, same transitions, output = input.
        const { Seconds, SecondsPath, Timestamp, TimestampPath, Type: _t, ...rest } = state;
        machine.States[name] = {
          ...rest,
          Type: 'Task',
          Resource: 'arn:aws:states:::local:sleep',
          TimeoutSeconds: WAIT_TASK_TIMEOUT_SECONDS,
          Parameters: SecondsPath
            ? { 'seconds.$': SecondsPath }
            : TimestampPath
              ? { 'timestamp.$': TimestampPath }
              : Timestamp
                ? { timestamp: Timestamp }
                : { seconds: Seconds ?? 0 },
          ResultPath: null,
        };
      }
      if (state.Type === 'Map') {
        const processor = (state.ItemProcessor ?? state.Iterator) as Definition & {
          ProcessorConfig?: { Mode?: string };
        };
        const io = localizeMapIo(machine, name, `m${hidden.size}`);
        for (const step of io) hidden.set(step.name, step);
        info.map = mapRunConfig(state, processor.ProcessorConfig?.Mode === 'DISTRIBUTED');
        const reader = io.find((step) => step.kind === 'read-items');
        if (reader) {
          delete info.map.itemsPath;
          info.map.itemsKey = reader.key;
        }
        delete processor.ProcessorConfig; // DISTRIBUTED runs inline locally (DESIGN §8)
        visit(processor, true);
      }
      states.set(name, info);
    }
  };
  visit(copy, false);
  return { definition: copy, states, hidden };
}

function mapRunConfig(state: StateDef, distributed: boolean): MapRunConfig {
  const itemsPath = (state.ItemsPath as string | undefined) ?? '$';
  // Any other path leaves the item count unknown (0): any failure then exceeds a percentage below 100.
  return {
    distributed,
    ...(/^\$(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(itemsPath) ? { itemsPath } : {}),
    ...(typeof state.ToleratedFailurePercentage === 'number'
      ? { toleratedFailurePercentage: state.ToleratedFailurePercentage }
      : {}),
    ...(typeof state.ToleratedFailureCount === 'number' ? { toleratedFailureCount: state.ToleratedFailureCount } : {}),
  };
}

/** The value at a plain `$.a.b` path (checked by localize). */
export function atPath(value: unknown, path: string): unknown {
  let node = value;
  for (const key of path.split('.').slice(1)) node = (node as Record<string, unknown> | null)?.[key];
  return node;
}

/** Each Map state's item processor, by object identity: what the library runs as a child execution. */
export function processorsOf(definition: Definition): Map<object, string> {
  const found = new Map<object, string>();
  const visit = (machine: Definition) => {
    for (const [name, state] of Object.entries(machine.States)) {
      const processor = (state.ItemProcessor ?? state.Iterator) as Definition | undefined;
      if (state.Type === 'Map' && processor) {
        found.set(processor, name);
        visit(processor);
      }
    }
  };
  visit(definition);
  return found;
}

/**
 * Replaces every `$$.Execution.StartTime` reference with the execution's start on the virtual clock.
 * aws-local-stepfunctions stamps that field with the wall clock whatever context it is given, and
 * Plan derives each backup's expires-at from it: on the wall clock, a run days into virtual time
 * would tag its backups as expiring days early or late, and retention would follow the tags.
 */
export function pinStartTime<T>(definition: T, startTime: string): T {
  const pin = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(pin);
    if (node === null || typeof node !== 'object') return node;
    return Object.fromEntries(
      Object.entries(node).map(([key, value]) =>
        key.endsWith('.$') && value === '$$.Execution.StartTime' ? [key.slice(0, -2), startTime] : [key, pin(value)],
      ),
    );
  };
  return pin(definition) as T;
}
