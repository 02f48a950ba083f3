import * as v from 'valibot';
import {
  DEFAULT_ALERT_GROUP_INTERVAL_SECONDS,
  DEFAULT_ALERT_GROUP_WINDOW_SECONDS,
} from '../definitions/settings.ts';
import type { GroupTiming } from './alert-groups.ts';
import { LOCAL_OPS, type OpsTarget } from './domain/commands.ts';

const Seconds = (name: string) =>
  v.optional(
    v.pipe(
      v.string(),
      v.trim(),
      v.digits(`${name} must be a whole number of seconds`),
      v.transform(Number),
      v.minValue(1, `${name} must be at least 1`),
    ),
  );

const Name = (name: string) =>
  v.optional(v.pipe(v.string(), v.trim(), v.nonEmpty(`${name} is empty`)));

/**
 * `ALERT_GROUP_WINDOW_SECONDS` and `ALERT_GROUP_INTERVAL_SECONDS`: how long a new alert group
 * waits for more incidents, and how far apart its messages are. The stack sets both from its
 * context; the local runtime reads them from the environment. `ALERT_OPS_STAGE` and
 * `ALERT_OPS_REGION`: the stage (and its region) the operator commands in alerts name, set by
 * the stack; without them the commands aim at a local runtime.
 */
export const AlertGroupEnvSchema = v.object({
  ALERT_GROUP_WINDOW_SECONDS: Seconds('ALERT_GROUP_WINDOW_SECONDS'),
  ALERT_GROUP_INTERVAL_SECONDS: Seconds('ALERT_GROUP_INTERVAL_SECONDS'),
});

/** `ALERT_OPS_STAGE` and `ALERT_OPS_REGION` (see above); the stack sets them, a laptop never. */
export const AlertOpsEnvSchema = v.object({
  ALERT_OPS_STAGE: Name('ALERT_OPS_STAGE'),
  ALERT_OPS_REGION: Name('ALERT_OPS_REGION'),
});

/** Where the commands in alerts point: the stage the settings name, else a local runtime. */
export const opsTargetOf = (settings: v.InferOutput<typeof AlertOpsEnvSchema>): OpsTarget =>
  settings.ALERT_OPS_STAGE
    ? {
        stage: settings.ALERT_OPS_STAGE,
        ...(settings.ALERT_OPS_REGION ? { region: settings.ALERT_OPS_REGION } : {}),
      }
    : LOCAL_OPS;

/** The timing the settings give, with the defaults for what they leave out. */
export const groupTimingOf = (
  settings: v.InferOutput<typeof AlertGroupEnvSchema>,
): GroupTiming => ({
  windowMs: (settings.ALERT_GROUP_WINDOW_SECONDS ?? DEFAULT_ALERT_GROUP_WINDOW_SECONDS) * 1000,
  intervalMs:
    (settings.ALERT_GROUP_INTERVAL_SECONDS ?? DEFAULT_ALERT_GROUP_INTERVAL_SECONDS) * 1000,
});

export const DEFAULT_GROUP_TIMING: GroupTiming = groupTimingOf({});
