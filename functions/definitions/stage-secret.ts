/**
 * The fields of the stage secret: one Secrets Manager secret per stage holding every
 * credential, a JSON object whose fields are named like the variables the local runtime reads
 * instead. A function finds the secret's name in the field's `secretIdVariable`.
 *
 * One entry per field, rendered into docs/settings.md; test/docs/settings-tables.test.ts checks
 * that the synthesized stack gives its functions exactly these `…_SECRET_ID` variables.
 */
export interface StageSecretField {
  /** The environment variable that names the secret to a function that reads this field. */
  readonly secretIdVariable: string;
  /** Which functions read it. */
  readonly readBy: string;
  /** When the field must be there. */
  readonly needed: string;
  /** What it holds, and where its value comes from. */
  readonly what: string;
}

export const STAGE_SECRET_FIELDS = {
  HAPPYCOLIS_SECRETS: {
    secretIdVariable: 'HAPPYCOLIS_SECRETS_SECRET_ID',
    readBy:
      'ingest; reconciler and ops writer (as the client secret, unless `HAPPYCOLIS_CLIENT_SECRET` is set)',
    needed: 'always',
    what: 'A JSON array of HappyColis client secrets; a webhook signed (`x-happycolis-webhook-signature`, HMAC-SHA256) with any of them is authentic. HappyColis signs with the client secret of the API application that owns the webhook subscription: the one it shows with the client id when the application is created. Two values while rotating.',
  },
  WEBHOOK_TOKENS: {
    secretIdVariable: 'WEBHOOK_TOKENS_SECRET_ID',
    readBy: 'ingest',
    needed: 'always (an empty array refuses every notice)',
    what: 'A JSON array of bearer tokens the fulfillment platform sends to the delivery-errors endpoint. You make one up (`openssl rand -hex 32`) and hand it to the platform.',
  },
  SLACK_WEBHOOK_URL: {
    secretIdVariable: 'SLACK_WEBHOOK_SECRET_ID',
    readBy: 'Slack notifier',
    needed: 'with `slack: true`',
    what: 'The Slack incoming-webhook URL (`https://hooks.slack.com/services/…`), made in Slack by adding an incoming webhook to a Slack app; it posts to the one channel chosen then.',
  },
  HAPPYCOLIS_CLIENT_ID: {
    secretIdVariable: 'HAPPYCOLIS_CLIENT_ID_SECRET_ID',
    readBy: 'reconciler, ops writer',
    needed: 'to reconcile and subscribe (without it nothing calls HappyColis)',
    what: 'The client id of the HappyColis API application (scopes `view_locations`, `edit_integrations`); with the client secret it gets the access tokens reconcile and `happycolis subscribe` use (docs/happycolis.md).',
  },
  HAPPYCOLIS_CLIENT_SECRET: {
    secretIdVariable: 'HAPPYCOLIS_CLIENT_SECRET_SECRET_ID',
    readBy: 'reconciler, ops writer',
    needed: 'only when it differs from the first of `HAPPYCOLIS_SECRETS`',
    what: "The application's client secret, for HappyColis's token endpoint; by default the first of `HAPPYCOLIS_SECRETS` (HappyColis signs webhooks with the same secret).",
  },
  HAPPYCOLIS_ORGANIZATION_IDS: {
    secretIdVariable: 'HAPPYCOLIS_ORGANIZATION_IDS_SECRET_ID',
    readBy: 'reconciler, ops writer',
    needed: 'to subscribe; optional to reconcile',
    what: 'Comma-separated HappyColis organization ids the application acts for: a token is asked per organization; the first one owns the webhook subscriptions. Absent, reconcile asks about every organization it knows integrations of.',
  },
  TEAMS_WEBHOOK_URL: {
    secretIdVariable: 'TEAMS_WEBHOOK_SECRET_ID',
    readBy: 'Teams notifier',
    needed: 'with `teams: true`',
    what: 'The Microsoft Teams Workflows webhook URL, made in the Teams channel with the workflow "Post to a channel when a webhook request is received"; it posts Adaptive Cards to that channel.',
  },
} as const satisfies Readonly<Record<string, StageSecretField>>;

export type StageSecretFieldName = keyof typeof STAGE_SECRET_FIELDS;
