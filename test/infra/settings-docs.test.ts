import { readdir, readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { STAGE_SECRET_FIELDS } from '../../functions/definitions/stage-secret.ts';
import {
  HAPPYCOLIS_CREDENTIAL_FIELDS,
  HappyColisEnvSchema,
} from '../../functions/happycolis/settings.ts';
import { PendingTimeoutSchema } from '../../functions/pending-check/pending-check.ts';
import { SETTING_KEYS } from '../../lib/cloud/settings.ts';
import { CONTEXT_KEYS, DEPLOY_FLAGS } from '../../lib/cloud/stage-file.ts';
import { LOCAL_SETTING_DOCS, LocalEnvSchema } from '../../lib/local/config.ts';
import {
  type FullStage,
  renderSettingsPage,
  SETTINGS_PAGE,
  synthesizeFullStage,
} from '../../scripts/settings-page.ts';

/**
 * docs/settings.md is rendered from the code's own definitions: the stage settings' schema, the
 * deploy switches, the stage secret's fields, the synthesized stack's outputs and the local
 * runtime's environment schema. A setting, context key, secret field or output that exists in
 * the code but not on the page, or the reverse, fails here.
 */

let stage: FullStage;
let template: FullStage['template'];
beforeAll(async () => {
  stage = await synthesizeFullStage();
  template = stage.template;
}, 120_000);

const ROOT = new URL('../../', import.meta.url);

/** README.md and every page of docs/. */
const pages = async (): Promise<[string, string][]> => {
  const docs = (await readdir(new URL('docs/', ROOT))).filter((name) => name.endsWith('.md'));
  return Promise.all(
    ['README.md', ...docs.map((name) => `docs/${name}`)].map(
      async (path) => [path, await readFile(new URL(path, ROOT), 'utf8')] as [string, string],
    ),
  );
};

describe('docs/settings.md', () => {
  it('is what the code renders (run `npm run docs:settings` after changing a setting)', async () => {
    expect(await readFile(SETTINGS_PAGE, 'utf8')).toBe(renderSettingsPage(stage));
  });

  it('lists every context key, secret field, output and local variable, and no other', async () => {
    const page = renderSettingsPage(stage);
    const firstColumn = (heading: string) => {
      const section = page.slice(page.indexOf(`## ${heading}`)).split('\n## ')[0] ?? '';
      return [...section.matchAll(/^\| `([^`]+)` \|/gm)].map((match) => match[1]);
    };
    expect(firstColumn('Stage settings').sort()).toEqual([...SETTING_KEYS].sort());
    expect(firstColumn('Deploy switches')).toEqual(Object.keys(DEPLOY_FLAGS));
    expect(firstColumn('The stage secret')).toEqual(Object.keys(STAGE_SECRET_FIELDS));
    expect(firstColumn('Stack outputs').sort()).toEqual(Object.keys(template.Outputs).sort());
    expect(firstColumn('Local runtime').sort()).toEqual(
      [
        ...new Set([
          ...Object.keys(LocalEnvSchema.entries),
          ...Object.keys(PendingTimeoutSchema.entries),
          ...Object.keys(HappyColisEnvSchema.entries),
          ...HAPPYCOLIS_CREDENTIAL_FIELDS,
        ]),
      ].sort(),
    );
    expect(Object.keys(LOCAL_SETTING_DOCS).sort()).toEqual(firstColumn('Local runtime').sort());
    expect(firstColumn('Function environment')).toEqual(stage.functions.map((fn) => fn.path));
    for (const fn of stage.functions) {
      for (const name of fn.variables) expect(page).toContain(`\`${name}\``);
    }
  });

  it('documents exactly the stage-secret fields the functions are given in the cloud', () => {
    const variables = new Set<string>();
    for (const resource of Object.values(template.Resources) as {
      Type: string;
      Properties: { Environment?: { Variables?: Record<string, unknown> } };
    }[]) {
      if (resource.Type !== 'AWS::Lambda::Function') continue;
      for (const name of Object.keys(resource.Properties.Environment?.Variables ?? {})) {
        if (name.endsWith('_SECRET_ID')) variables.add(name);
      }
    }
    expect([...variables].sort()).toEqual(
      Object.values(STAGE_SECRET_FIELDS)
        .map((field) => field.secretIdVariable)
        .sort(),
    );
  });

  it('is the only place a context key is named: every `-c key=` in the docs is a real key', async () => {
    // `key` is the placeholder of `-c key=value`.
    const known = new Set<string>([...CONTEXT_KEYS, 'key']);
    for (const [path, text] of await pages()) {
      const named = [...text.matchAll(/-c ([A-Za-z]\w*)=/g)].map((match) => match[1] ?? '');
      expect(
        named.filter((key) => !known.has(key)),
        path,
      ).toEqual([]);
    }
  });
});
