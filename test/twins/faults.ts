import { ReceiverError } from '../../functions/core/errors.ts';
/**
 * Fault injection for the in-memory twins: the failures the emulators cannot produce on cue
 * (a DynamoDB or SNS outage for one call, one integration, or for good).
 */
export interface FaultOptions<A extends readonly unknown[]> {
  /** How many matching calls fail; `Infinity` for all of them. @default 1 */
  readonly times?: number;
  /** Only calls whose arguments satisfy this fail (and count). @default every call */
  readonly when?: (...args: A) => boolean;
  /** What the failing call rejects with. @default an `InjectedFaultError` naming the method */
  readonly error?: Error;
}

/** The error an armed fault rejects with unless told otherwise. */
export class InjectedFaultError extends ReceiverError {
  constructor(method: string) {
    super(`injected fault: ${method}`);
  }
}

interface Armed {
  left: number;
  readonly when?: (...args: never[]) => boolean;
  readonly error?: Error;
}

// biome-ignore lint/suspicious/noExplicitAny: a port's methods take any arguments.
type Methods<P> = { [K in keyof P]: P[K] extends (...args: any[]) => unknown ? K : never }[keyof P];
// biome-ignore lint/suspicious/noExplicitAny: a port's methods take any arguments.
type ArgsOf<F> = F extends (...args: infer A) => any ? A : never;

/** Armed faults and call counts for the methods of one port `P`. */
export class Faults<P> {
  readonly #armed = new Map<PropertyKey, Armed[]>();
  readonly #calls = new Map<PropertyKey, number>();

  /** Makes the next matching calls of `method` reject. */
  failNext<M extends Methods<P>>(method: M, options: FaultOptions<ArgsOf<P[M]>> = {}): void {
    const list = this.#armed.get(method) ?? [];
    list.push({
      left: options.times ?? 1,
      ...(options.when ? { when: options.when as unknown as (...args: never[]) => boolean } : {}),
      ...(options.error ? { error: options.error } : {}),
    });
    this.#armed.set(method, list);
  }

  /** How many times `method` was called, failed calls included. */
  calls(method: Methods<P>): number {
    return this.#calls.get(method) ?? 0;
  }

  /** Faults still armed for `method` (calls that would fail), summed. */
  armed(method: Methods<P>): number {
    return (this.#armed.get(method) ?? []).reduce((sum, fault) => sum + fault.left, 0);
  }

  /** Called first by every twin method: counts the call and throws when a fault is armed. */
  enter(method: Methods<P>, args: readonly unknown[]): void {
    this.#calls.set(method, this.calls(method) + 1);
    for (const fault of this.#armed.get(method) ?? []) {
      if (fault.left <= 0) continue;
      if (fault.when && !fault.when(...(args as never[]))) continue;
      fault.left--;
      throw fault.error ?? new InjectedFaultError(String(method));
    }
  }
}
