/**
 * Defaults of the settings that both the deployment and the functions read: the CDK settings
 * and constructs pass them as environment, the handlers and the local runtime fall back to them.
 */

/** Age after which a PENDING integration is reported. */
export const DEFAULT_PENDING_TIMEOUT_HOURS = 24;
