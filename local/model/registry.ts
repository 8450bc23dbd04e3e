/**
 * How a service module joins the model (as a moto backend joins `moto/backends.py`): it declares itself
 * with `defineModelService` (its registry name, the backends it needs, how it is built over the core, the
 * operations it answers on the model, the state it shows there, its limits and the hooks the model asks),
 * and local/model/index.ts builds the model from the list of those declarations. Nothing here names a
 * service: the types below derive the model's shape (`Services`, the operations, `Limits`) from the list.
 */
import type { ModelCore } from './core';

/** What the model asks every service that can answer (model time in ms); undefined: not this service's. */
export interface ServiceHooks<B> {
  /** When backup, snapshot, image or export `id` finished (or failed) in `region`: the bench's detection latency. */
  finishedAtMs?(backend: B, region: string, id: string): number | undefined;
  /** How long snapshot `id` in `region` takes from start to completion. */
  durationMs?(backend: B, region: string, id: string): number | undefined;
  /** Copies still in progress into destination `region`, against this service's own limit. */
  copiesInProgress?(backend: B, region: string): number;
}

/** A service module's declaration; see `defineModelService`. */
export interface ModelService<
  N extends string = string,
  B extends object = object,
  O extends PropertyKey = PropertyKey,
  V extends Readonly<Record<string, PropertyKey>> = Readonly<Record<string, PropertyKey>>,
  L extends Readonly<Record<string, number>> = Readonly<Record<string, number>>,
> {
  /** Its key in `model.services`, and the name another service's `needs` asks it by. */
  readonly name: N;
  /** The registry names of the backends `build` is given (and only those): a backend another needs is passed to it. */
  readonly needs: readonly string[];
  build(core: ModelCore, needs: never): B;
  /** The backend's methods the model answers itself (`model.createSnapshot(...)`), bound to the backend. */
  readonly operations: readonly O[];
  /** State the model shows under its own name (`model.topics` is the backend's `topics`), read live. */
  readonly views: V;
  /** The service's AWS limits with their defaults; a model's options may override any (`Limits`). */
  readonly limits: L;
  readonly hooks: ServiceHooks<B>;
}

/**
 * Declares a service module to the model. `build` receives the core and an object of exactly the
 * backends named in `needs`; `operations` and `views` are checked against what `build` returns.
 */
export function defineModelService<
  const N extends string,
  B extends object,
  D extends object,
  // O and V are checked against B apart from their inference: a constraint naming B would fix B before
  // `build` is read, and every operation would be refused.
  const O extends string,
  const V extends Readonly<Record<string, string>> = Record<never, never>,
  L extends Readonly<Record<string, number>> = Record<never, never>,
>(service: {
  name: N;
  needs?: readonly (keyof D & string)[];
  build: (core: ModelCore, needs: D) => B;
  operations: readonly O[] & readonly (keyof B)[];
  views?: V & Readonly<Record<string, keyof B>>;
  limits?: L;
  hooks?: ServiceHooks<NoInfer<B>>;
}): ModelService<N, B, O, V, L> {
  return {
    name: service.name,
    needs: service.needs ?? [],
    build: service.build as (core: ModelCore, needs: never) => B,
    operations: service.operations,
    views: service.views ?? ({} as V),
    limits: service.limits ?? ({} as L),
    hooks: service.hooks ?? {},
  };
}

/**
 * Builds every registered backend over one core, each after the backends it needs (so the list's order
 * is free), and hands each only what it declared. A need no entry answers fails the model's construction.
 */
export function buildServices(core: ModelCore, registry: readonly ModelService[]): Record<string, object> {
  const byName = new Map(registry.map((s) => [s.name, s]));
  const built: Record<string, object> = {};
  const building = new Set<string>();
  const build = (name: string, by: string): object => {
    const existing = built[name];
    if (existing) return existing;
    const service = byName.get(name);
    if (!service) throw new Error(`model service ${by} needs ${name}, which no module registers`);
    if (building.has(name)) throw new Error(`model services need each other in a cycle through ${name}`);
    building.add(name);
    const needs = Object.fromEntries(service.needs.map((need) => [need, build(need, name)]));
    const backend = service.build(core, needs as never);
    built[name] = backend;
    return backend;
  };
  for (const service of registry) build(service.name, 'the model');
  // Keys in registry order: the hooks ask the services in that order.
  return Object.fromEntries(registry.map((s) => [s.name, built[s.name] as object]));
}

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

/** The backends of a registry, by registry name (`model.services`). */
export type ServicesOf<E extends ModelService> = { [S in E as S['name']]: BackendOf<S> };
type BackendOf<S> = S extends ModelService<string, infer B> ? B : never;

/** What a registry's services answer on the model itself: their operations and views. */
export type FacadeOf<E extends ModelService> = UnionToIntersection<
  E extends ModelService<string, infer B, infer O, infer V>
    ? Pick<B, O & keyof B> & { readonly [K in keyof V]: B[V[K] & keyof B] }
    : never
>;

/** Every registered service's limits, writable (a test may lower one mid-run). */
export type LimitsOf<E extends ModelService> = UnionToIntersection<
  E extends { readonly limits: infer L } ? { -readonly [K in keyof L]: number } : never
>;
