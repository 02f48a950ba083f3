/** One readable validation problem: where, and what is wrong. */
export interface ValidationError {
  readonly path: string;
  readonly message: string;
}

export type Parsed<T> =
  | { readonly success: true; readonly value: T }
  | { readonly success: false; readonly errors: readonly ValidationError[] };

/** Whether `value` nests arrays/objects deeper than `limit`; iterative, so any depth is safe. */
export const nestsDeeperThan = (value: unknown, limit: number): boolean => {
  const stack: { readonly value: unknown; readonly depth: number }[] = [{ value, depth: 0 }];
  for (let next = stack.pop(); next; next = stack.pop()) {
    if (next.value === null || typeof next.value !== 'object') continue;
    if (next.depth >= limit) return true;
    for (const child of Object.values(next.value))
      stack.push({ value: child, depth: next.depth + 1 });
  }
  return false;
};

/** JSON.parse's messages quote the text around the error; only the position is kept. */
const jsonError = (error: unknown): ValidationError => {
  const position = error instanceof Error ? /position (\d+)/.exec(error.message)?.[1] : undefined;
  return {
    path: '(root)',
    message: `invalid JSON${position === undefined ? '' : ` (at character ${position})`}`,
  };
};

/**
 * `JSON.parse` as a value, never a throw: how the functions read text from outside (request
 * bodies, queued payloads). With `maxDepth`, a document nesting deeper is refused too (what a
 * schema walk could not survive).
 */
export const parseJson = (text: string, maxDepth = Number.POSITIVE_INFINITY): Parsed<unknown> => {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { success: false, errors: [jsonError(error)] };
  }
  if (nestsDeeperThan(value, maxDepth)) {
    return {
      success: false,
      errors: [{ path: '(root)', message: `JSON nests deeper than ${maxDepth} levels` }],
    };
  }
  return { success: true, value };
};
