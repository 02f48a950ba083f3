/**
 * The operator commands alerts print (`npm run ops -- …`), aimed at the place the alert came
 * from: a deployed stage (`--stage <name>`, plus `--region` when known) or a local runtime
 * (its `--url`, or nothing for the CLI's default). Pasted after a cloud alert, a command must
 * never query a laptop. Pure.
 */

/** Where an alert's commands point. */
export type OpsTarget =
  /** A deployed stage, found by the CLI from its stack outputs. */
  | { readonly stage: string; readonly region?: string }
  /** A local runtime; without a URL, the CLI's default (`http://127.0.0.1:3000`). */
  | { readonly url?: string };

/** The local runtime at the CLI's default address. */
export const LOCAL_OPS: OpsTarget = {};

/** A shell word: ids are opaque, so anything but a plain id is single-quoted. */
export const shellWord = (text: string): string =>
  /^[\w.:@/+=-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;

const targetWords = (target: OpsTarget): string[] => {
  if ('stage' in target) {
    return [
      `--stage ${shellWord(target.stage)}`,
      ...(target.region ? [`--region ${shellWord(target.region)}`] : []),
    ];
  }
  return target.url ? [`--url ${shellWord(target.url)}`] : [];
};

/**
 * `npm run ops -- <words…> <target>`: `words` are written as given (the caller quotes values
 * with {@link shellWord}), the target's flags come last.
 */
export const opsCommand = (target: OpsTarget, ...words: readonly string[]): string =>
  ['npm run ops --', ...words, ...targetWords(target)].join(' ');
