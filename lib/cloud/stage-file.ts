import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as v from 'valibot';
import { parseJson } from '../../functions/core/json.ts';
import {
  parseSettings,
  RETIRED_KEYS,
  SETTING_KEYS,
  type Settings,
  SettingsError,
} from './settings.ts';

/**
 * A stage's settings live in `stages/<stage>.json`, a file kept under version control, so a
 * redeploy (`npx cdk deploy -c stage=<stage>`) applies the same settings as the last one and
 * never drops an alert channel because a `-c` flag was forgotten. Context (`-c key=value`, or
 * `cdk.json`) still overrides the file, one key at a time.
 */

/** The folder of stage files, at the repository's root. */
export const STAGES_DIR = fileURLToPath(new URL('../../stages/', import.meta.url));

/** The settings a stage file may hold: every setting but the stage, which is its name. */
export const STAGE_FILE_KEYS = SETTING_KEYS.filter((key) => key !== 'stage');

/** Context keys that are switches of one deploy and are never kept in a stage file. */
export const DEPLOY_FLAGS = {
  allowChannelRemoval:
    '`true` lets this deploy remove an alert channel or email subscription that the stage file or the deployed stack has (otherwise the deploy stops and names them). Never kept in the stage file.',
} as const;
export type DeployFlag = keyof typeof DEPLOY_FLAGS;

export interface StageFile {
  /** The file's path relative to the repository, as messages show it. */
  readonly path: string;
  /** The raw values, as in the file (validated: known keys, each value well-formed). */
  readonly values: Readonly<Record<string, unknown>>;
  /** The settings the file alone gives the stage. */
  readonly settings: Settings;
}

const FileObject = v.pipe(
  v.unknown(),
  v.check((value) => !Array.isArray(value)),
  v.record(v.string(), v.unknown()),
);

/**
 * Reads and validates `stages/<stage>.json`, or returns `undefined` when the stage has none.
 *
 * @throws SettingsError for a file that is not a JSON object, names an unknown setting, or
 *   holds a malformed value (every problem, one per line, naming the file and the key).
 */
export const readStageFile = (stage: string, dir = STAGES_DIR): StageFile | undefined => {
  const file = join(dir, `${stage}.json`);
  if (!existsSync(file)) return undefined;
  // As the repository names it: `stages/<stage>.json`.
  const path = `${basename(dir)}/${stage}.json`;
  const json = parseJson(readFileSync(file, 'utf8'));
  const object = json.success ? v.safeParse(FileObject, json.value) : undefined;
  if (!object?.success) {
    throw new SettingsError(
      `${path} must hold a JSON object of settings, e.g. {"alertEmail": "oncall@example.com", "slack": true}${json.success ? '' : ` (${json.errors[0]?.message})`}`,
    );
  }
  const unknown = Object.keys(object.output)
    .filter((key) => !(STAGE_FILE_KEYS as string[]).includes(key))
    .map((key) =>
      key === 'stage'
        ? `${path}: "stage" is the file's name, not a setting in it`
        : key in DEPLOY_FLAGS
          ? `${path}: "${key}" is a switch of one deploy (-c ${key}=true), never kept in the file`
          : `${path}: unknown setting "${key}" (known: ${STAGE_FILE_KEYS.join(', ')})`,
    );
  if (unknown.length > 0) throw new SettingsError(unknown.join('\n'));
  const settings = parseSettings({ ...object.output, stage }, (key) => `${path}: "${key}"`);
  return { path, values: object.output, settings };
};

/**
 * The values of a stage's settings: the stage file's, overridden key by key by context. A key
 * given in context as an empty string overrides too, and means "not set" (`-c alertEmail=`).
 */
export const mergeStageSettings = (
  file: StageFile | undefined,
  context: Readonly<Record<string, unknown>>,
): Record<string, unknown> => {
  const merged: Record<string, unknown> = { ...file?.values };
  for (const [key, value] of Object.entries(context)) {
    if (value !== undefined && value !== null) merged[key] = value;
  }
  return merged;
};

/** The context keys a stage's deploy reads: the settings, the retired ones, the deploy flags. */
export const CONTEXT_KEYS = [
  ...SETTING_KEYS,
  ...Object.keys(RETIRED_KEYS),
  ...Object.keys(DEPLOY_FLAGS),
];

export interface StageSettings {
  readonly settings: Settings;
  readonly file?: StageFile;
  /** `-c allowChannelRemoval=true`. */
  readonly allowChannelRemoval: boolean;
}

const isOn = (key: string, value: unknown): boolean => {
  if (value === undefined || value === null || value === '' || value === false) return false;
  if (value === true) return true;
  const text = String(value).trim().toLowerCase();
  if (text === 'true' || text === 'false') return text === 'true';
  throw new SettingsError(`context "${key}" must be true or false, got ${JSON.stringify(value)}`);
};

/**
 * The settings of the stage named in context (`-c stage=…`, default `dev`): its stage file,
 * overridden by context.
 *
 * @throws SettingsError for a malformed stage name, stage file or context value.
 */
export const resolveStageSettings = (
  context: Readonly<Record<string, unknown>>,
  dir = STAGES_DIR,
): StageSettings => {
  const { stage } = parseSettings(context.stage === undefined ? {} : { stage: context.stage });
  const file = readStageFile(stage, dir);
  const { allowChannelRemoval, ...rest } = context;
  return {
    settings: parseSettings(mergeStageSettings(file, rest)),
    ...(file ? { file } : {}),
    allowChannelRemoval: isOn('allowChannelRemoval', allowChannelRemoval),
  };
};
