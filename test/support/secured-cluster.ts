import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Client } from '@elastic/elasticsearch';
import { REAL_CLUSTER_URL } from './target';

/**
 * Set when the tests run against the secured cluster that scripts/test-secured.sh started
 * (`cluster.sh start 3 --https`): its script, to kill and restart nodes, and its CA.
 */
const CLUSTER_SCRIPT = process.env.REAL_ES_CLUSTER_SCRIPT || undefined;
export const ON_SECURED_CLUSTER =
  REAL_CLUSTER_URL !== undefined && CLUSTER_SCRIPT !== undefined && Boolean(process.env.ES_CA_FILE);

/**
 * A `describe` for the production-shape tier: it runs on the secured three-node HTTPS cluster of
 * scripts/test-secured.sh, and is skipped elsewhere with a name that says how to run it.
 */
export function describeOnSecuredCluster(name: string, body: () => void): void {
  (ON_SECURED_CLUSTER ? describe : describe.skip)(
    `${name} [secured three-node cluster: npm run test:secured]`,
    body,
  );
}

/** `cluster.sh kill <n>`: SIGKILLs node n (1-based), as a crashed host would go. */
export async function killNode(node: number): Promise<void> {
  await clusterScript('kill', String(node));
}

/** `cluster.sh restart <n>`: starts node n again and waits until it has rejoined the cluster. */
export async function restartNode(node: number): Promise<void> {
  await clusterScript('restart', String(node));
}

async function clusterScript(...args: string[]): Promise<void> {
  if (CLUSTER_SCRIPT === undefined) throw new Error('only the secured tier can kill and restart nodes');
  await promisify(execFile)(CLUSTER_SCRIPT, args, { env: process.env, timeout: 180_000 });
}

/** A role in Elasticsearch's terms: cluster privileges, and index privileges on name patterns. */
export interface RoleSpec {
  cluster: string[];
  indices: { names: string[]; privileges: string[] }[];
}

export interface TestUser {
  name: string;
  password: string;
  /** `Authorization: Basic ...` for this user. */
  authorization: string;
}

/** Creates (or replaces) a role and a user holding only it. */
export async function createUserWithRole(admin: Client, name: string, role: RoleSpec): Promise<TestUser> {
  const password = `${name}-${Math.random().toString(36).slice(2)}`;
  await admin.security.putRole({ name: `${name}_role`, ...role });
  await admin.security.putUser({ username: name, password, roles: [`${name}_role`] });
  return {
    name,
    password,
    authorization: `Basic ${Buffer.from(`${name}:${password}`).toString('base64')}`,
  };
}

/** An API key limited to `role`, as an operator would make one for ds-reindex; its encoded form. */
export async function createApiKey(admin: Client, name: string, role: RoleSpec): Promise<string> {
  const key = await admin.security.createApiKey({ name, role_descriptors: { [name]: role } });
  return key.encoded;
}
