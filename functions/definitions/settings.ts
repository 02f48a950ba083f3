/**
 * Defaults of the settings that both the deployment and the functions read: the CDK settings
 * and constructs pass them as environment, the handlers and the local runtime fall back to them.
 */

/** Age after which a PENDING integration is reported. */
export const DEFAULT_PENDING_TIMEOUT_HOURS = 24;

/** API Gateway's steady rate limit of every route but HappyColis's (requests per second). */
export const DEFAULT_THROTTLE_RATE_LIMIT = 50;

/** API Gateway's burst limit of every route but HappyColis's (requests). */
export const DEFAULT_THROTTLE_BURST_LIMIT = 100;

/**
 * The HappyColis route's own steady rate limit (requests per second): far above what
 * HappyColis sends (one FIFO queue per integration, each waiting for our answer), so anonymous
 * requests must outrun it before HappyColis sees a 429.
 */
export const DEFAULT_HAPPYCOLIS_THROTTLE_RATE_LIMIT = 200;

/** The HappyColis route's own burst limit (requests). */
export const DEFAULT_HAPPYCOLIS_THROTTLE_BURST_LIMIT = 400;

/** 4xx answers in 5 minutes above which the client-errors alarm fires. */
export const DEFAULT_CLIENT_ERROR_ALARM_THRESHOLD = 50;

/** How long the first alert of a group waits for more before the group's first message. */
export const DEFAULT_ALERT_GROUP_WINDOW_SECONDS = 30;

/** How long after a group's message the next one (a follow-up) may go out. */
export const DEFAULT_ALERT_GROUP_INTERVAL_SECONDS = 300;

/** How far after its reception an event may be dated before it is quarantined (hours). */
export const DEFAULT_FUTURE_SKEW_HOURS = 24;

/** Days a quarantine record (and any token it holds) is kept; also the smallest allowed. */
export const DEFAULT_QUARANTINE_DAYS = 90;

/** Longest time the ingest serves credentials without re-reading the stage secret (seconds). */
export const DEFAULT_SECRET_MAX_AGE_SECONDS = 300;
