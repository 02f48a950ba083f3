import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { text } from 'node:stream/consumers';
import * as v from 'valibot';

/** One `GetSecretValue` the stand-in answered. */
export interface SecretRead {
  readonly secretId: string;
  readonly found: boolean;
}

export interface SecretsManagerStandIn {
  /** For `AWS_ENDPOINT_URL_SECRETS_MANAGER`. */
  readonly endpoint: string;
  readonly reads: SecretRead[];
  close(): Promise<void>;
}

const GetSecretValueRequest = v.object({ SecretId: v.string() });

/**
 * A local HTTP server answering Secrets Manager's `GetSecretValue` (AWS JSON 1.1 protocol) from
 * a fixed map of secret names to strings, so a bundle reads its secret through the real SDK
 * client and Powertools, as in Lambda. Any other call, or an unknown name, is refused the way
 * Secrets Manager refuses it.
 */
export const startSecretsManagerStandIn = async (
  secrets: Readonly<Record<string, string>>,
): Promise<SecretsManagerStandIn> => {
  const reads: SecretRead[] = [];
  const server = createServer(async (request, response) => {
    const answer = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
      response.end(JSON.stringify(body));
    };
    const target = request.headers['x-amz-target'];
    const parsed = v.safeParse(GetSecretValueRequest, JSON.parse(await text(request)));
    if (target !== 'secretsmanager.GetSecretValue' || !parsed.success) {
      answer(400, { __type: 'InvalidRequestException', message: `unsupported ${target}` });
      return;
    }
    const secretId = parsed.output.SecretId;
    const value = secrets[secretId];
    reads.push({ secretId, found: value !== undefined });
    if (value === undefined) {
      answer(400, {
        __type: 'ResourceNotFoundException',
        message: "Secrets Manager can't find the specified secret.",
      });
      return;
    }
    answer(200, {
      ARN: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${secretId}-AbCdEf`,
      Name: secretId,
      SecretString: value,
      VersionId: 'a1b2c3d4-0000-0000-0000-000000000000',
      VersionStages: ['AWSCURRENT'],
      CreatedDate: 1_700_000_000,
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    reads,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
};
