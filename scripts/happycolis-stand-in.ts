import { startHappyColisStandIn } from '../lib/local/happycolis-stand-in.ts';

/**
 * `npm run happycolis:stand-in`: the HappyColis API stand-in on loopback, for trying reconcile
 * and subscriptions with `npm start` (docs/happycolis.md, "Trying it locally"). Ctrl-C stops it.
 */

const clientId = process.env.HAPPYCOLIS_CLIENT_ID ?? 'stand-in';
const clientSecret = process.env.HAPPYCOLIS_CLIENT_SECRET ?? 'stand-in-secret';
const standIn = await startHappyColisStandIn({ clientId, clientSecret });
console.log(
  [
    `HappyColis stand-in listening on ${standIn.url}`,
    'Run npm start with:',
    `  HAPPYCOLIS_API_URL=${standIn.url} HAPPYCOLIS_CLIENT_ID=${clientId} HAPPYCOLIS_CLIENT_SECRET=${clientSecret} HAPPYCOLIS_ORGANIZATION_IDS=<organization id>`,
    `Set what a location holds: curl -X PUT ${standIn.url}/_stand-in/locations/<id> -d '{"organizationId":"…","integration":{"id":"…","state":"ACTIVE"}}'`,
    `See its state: curl ${standIn.url}/_stand-in/state`,
  ].join('\n'),
);
const stop = () => {
  void standIn.stop().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
