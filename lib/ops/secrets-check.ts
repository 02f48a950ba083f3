import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { parseStageSecret, type StageSecret } from '../../functions/config.ts';
import { CREDENTIAL_NAMES, checkCredentials } from '../../functions/core/credentials.ts';
import { stageSecretName } from '../cloud/settings.ts';
import { OpsError } from './client.ts';
import { readStageOutputs } from './stage-outputs.ts';

/**
 * `npm run ops -- secrets check [--stage S]`: checks a stage secret the way the ingest will
 * (shape, each field on its own, strength) and prints, per field, how many entries are usable
 * and what is wrong. It never prints a value: problems name the field and the entry.
 * Without `--stage`, it checks the variables the local runtime reads.
 */

/** The stack output naming the stage secret. */
export const STAGE_SECRET_OUTPUT = 'StageSecretName';

export interface SecretsCheckIo {
  readonly print: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
  /** The stage secret's name; defaults to the stack's output (or the default name). */
  readonly stageSecretId?: (stage: string, region: string | undefined) => Promise<string>;
}

const readStageSecretId = async (stage: string, region: string | undefined): Promise<string> =>
  (await readStageOutputs(stage, region))[STAGE_SECRET_OUTPUT] ??
  // A stack deployed before the output existed: the default name.
  stageSecretName(stage, 'secrets');

const readSecretText = async (secretId: string, region: string | undefined): Promise<string> => {
  const client = new SecretsManagerClient(region ? { region } : {});
  try {
    const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    if (SecretString === undefined) {
      throw new OpsError(`secret ${secretId} holds binary data; it must hold a JSON object`);
    }
    return SecretString;
  } catch (error) {
    if (error instanceof OpsError) throw error;
    // The SDK's messages name the secret and the reason, never its value.
    throw new OpsError(
      `cannot read secret ${secretId}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
      { cause: error },
    );
  } finally {
    client.destroy();
  }
};

const SLACK_FIELD = 'SLACK_WEBHOOK_URL';

/** Field lines and whether all is well. */
const report = (where: string, secret: StageSecret): { lines: string[]; ok: boolean } => {
  const lines = [`checking ${where}`];
  let ok = true;
  for (const name of CREDENTIAL_NAMES) {
    const checked = checkCredentials(name, secret[name]);
    ok &&= checked.problems.length === 0;
    lines.push(
      `${checked.problems.length === 0 ? 'ok ' : 'BAD'} ${name}: ${checked.values.length} usable entr${checked.values.length === 1 ? 'y' : 'ies'}`,
      ...checked.problems.map((problem) => `    ${problem}`),
    );
  }
  const slack = secret[SLACK_FIELD];
  if (slack !== undefined) {
    const valid = typeof slack === 'string' && /^https:\/\/\S+$/.test(slack.trim());
    ok &&= valid;
    lines.push(
      valid
        ? `ok  ${SLACK_FIELD}: an https URL`
        : `BAD ${SLACK_FIELD}: must be an https URL (the Slack incoming webhook)`,
    );
  }
  lines.push(ok ? 'the secret is usable as it is' : 'fix the fields marked BAD');
  return { lines, ok };
};

/** Runs the check; resolves to the exit code (0 usable, 1 a problem). */
export const checkSecrets = async (
  options: { readonly stage?: string | undefined; readonly region?: string | undefined },
  io: SecretsCheckIo,
): Promise<number> => {
  let where: string;
  let secret: StageSecret;
  if (options.stage === undefined) {
    where = 'the local variables HAPPYCOLIS_SECRETS and WEBHOOK_TOKENS';
    secret = Object.fromEntries(CREDENTIAL_NAMES.map((name) => [name, io.env[name]]));
  } else {
    const secretId = await (io.stageSecretId ?? readStageSecretId)(options.stage, options.region);
    where = `secret ${secretId} of stage ${options.stage}`;
    try {
      secret = parseStageSecret(await readSecretText(secretId, options.region), secretId);
    } catch (error) {
      if (error instanceof OpsError) throw error;
      io.print(`BAD ${error instanceof Error ? error.message : String(error)}`);
      return 1;
    }
  }
  const { lines, ok } = report(where, secret);
  io.print(lines.join('\n'));
  return ok ? 0 : 1;
};
