/** A deep copy, so a twin never shares a mutable object with its caller. */
export const copy = <T>(value: T): T => structuredClone(value);
