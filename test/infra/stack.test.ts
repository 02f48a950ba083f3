import { beforeAll, describe, expect, it } from 'vitest';
import { CHAT_CHANNEL_NAMES } from '../../functions/definitions/alert-channels.ts';
import {
  arnOf,
  FULL_OPTIONS,
  logicalId,
  propertiesOf,
  refOf,
  type SynthesizedStack,
  synthStack,
} from './support.ts';

describe('FulfillmentWebhooksStack', () => {
  let full: SynthesizedStack;

  beforeAll(() => {
    full = synthStack(FULL_OPTIONS);
  });

  const output = (name: string) =>
    (full.template.toJSON().Outputs as Record<string, { Value: unknown }>)[name]?.Value;

  const stageUrl = (path: string) => ({
    'Fn::Join': [
      '',
      [
        'https://',
        refOf(full.stack.api.api),
        `.execute-api.eu-west-3.`,
        { Ref: 'AWS::URLSuffix' },
        `/${path}`,
      ],
    ],
  });

  it('outputs the two webhook URLs and the query URL with its {id} placeholder', () => {
    expect(output('HappyColisWebhookUrl')).toEqual(stageUrl('webhooks/happycolis'));
    expect(output('DeliveryErrorsWebhookUrl')).toEqual(stageUrl('webhooks/delivery-errors'));
    expect(output('QueryUrl')).toEqual(stageUrl('integrations/{id}'));
  });

  it('outputs the topic ARN, the table name and the dead-letter queue URL', () => {
    expect(output('AlertsTopicArn')).toEqual(refOf(full.stack.alerting.topic));
    expect(output('TableName')).toEqual(refOf(full.stack.table.table));
    expect(output('DeadLetterQueueUrl')).toEqual(refOf(full.stack.pipeline.deadLetterQueue));
  });

  it('has one customer-managed key, rotated and kept with the table, encrypting everything', () => {
    const keys = full.template.findResources('AWS::KMS::Key');
    expect(Object.keys(keys)).toEqual([logicalId(full.stack.table.key)]);
    const key = Object.values(keys)[0];
    expect(key?.Properties).toMatchObject({ EnableKeyRotation: true });
    expect(key?.DeletionPolicy).toBe('RetainExceptOnCreate');
    const keyArn = arnOf(full.stack.table.key);
    expect(propertiesOf(full.template, full.stack.table.table).SSESpecification).toMatchObject({
      KMSMasterKeyId: keyArn,
    });
    for (const queue of [full.stack.pipeline.queue, full.stack.pipeline.deadLetterQueue]) {
      expect(propertiesOf(full.template, queue).KmsMasterKeyId).toEqual(keyArn);
    }
    expect(propertiesOf(full.template, full.stack.alerting.topic).KmsMasterKeyId).toEqual(keyArn);
  });

  it('holds no secret value, only secret names', () => {
    const text = JSON.stringify(full.template.toJSON());
    expect(text).not.toContain('SecretString');
    expect(text).not.toContain('GenerateSecretString');
    expect(text).not.toContain('tok_SECRET_123');
    expect(text).not.toMatch(/hooks\.slack\.com/);
    full.template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    expect(text).toContain('fulfillment-webhooks/dev/secrets');
  });

  it('deploys seven functions and a notifier per chat channel, all on the shared construct settings', () => {
    const functions = Object.values(full.template.findResources('AWS::Lambda::Function'));
    expect(functions).toHaveLength(7 + CHAT_CHANNEL_NAMES.length);
    for (const fn of functions) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
      });
    }
  });

  it('names the one secret it reads from context, for every function that reads one', () => {
    const { template } = synthStack({ ...FULL_OPTIONS, secretName: 'shared/webhooks' });
    const ids = Object.values(template.findResources('AWS::Lambda::Function')).flatMap((fn) =>
      Object.entries(
        (fn.Properties as { Environment: { Variables: Record<string, unknown> } }).Environment
          .Variables,
      )
        .filter(([name]) => name.endsWith('_SECRET_ID'))
        .map(([, value]) => value),
    );
    // The ingest's two fields, each chat notifier's one, and the HappyColis credential fields
    // the reconciler and the operator's writer read.
    expect(ids).toHaveLength(2 + CHAT_CHANNEL_NAMES.length + 2 * 4);
    expect(new Set(ids)).toEqual(new Set(['shared/webhooks']));
  });

  it('creates no log-retention custom resource (every log group is explicit)', () => {
    const types = Object.values(full.template.toJSON().Resources).map(
      (resource) => (resource as { Type: string }).Type,
    );
    expect(types).not.toContain('Custom::LogRetention');
    expect(types.filter((type) => type === 'AWS::Logs::LogGroup')).toHaveLength(
      8 + CHAT_CHANNEL_NAMES.length,
    );
  });
});
