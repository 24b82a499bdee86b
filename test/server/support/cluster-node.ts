/**
 * A cluster node in the test's process (`startClusterNode`, logging silent), as the cluster tests
 * on Mosquitto start one: the real PostgreSQL (TEST_PG_URL) in the test's `schema`, the broker at
 * `brokerUrl` (with `account`: the server's account, dynamic security unless `auth` is `none`;
 * without: anonymous), HTTP on
 * an ephemeral loopback port, a receipt key of 32 bytes `receiptKeyByte`, and cluster mode serving
 * `stores` as `nodeId` (`sessionPrefix`: the config's default when not given).
 */
import pino from "pino";
import { clusterConfigSchema } from "../../../src/adapters/cluster/cluster-config";
import { type ClusterNode, startClusterNode } from "../../../src/adapters/cluster/cluster-node";
import { TEST_PG_URL } from "../../../src/adapters/postgres/test-schema";

export function startTestClusterNode(o: {
  schema: string;
  brokerUrl: string;
  account?: { username: string; password: string };
  /** with `account`: `none` for a broker whose accounts are managed outside Skiplane (password file) */
  auth?: "dynsec" | "none";
  authRecheckSeconds: number;
  receiptKeyByte: number;
  nodeId: string;
  stores: string[];
  sessionPrefix?: string;
}): Promise<ClusterNode> {
  return startClusterNode(
    {
      database: { url: TEST_PG_URL, schema: o.schema },
      mqtt: o.account
        ? { url: o.brokerUrl, ...o.account, auth: o.auth ?? "dynsec" }
        : { url: o.brokerUrl, auth: "none" },
      http: { host: "127.0.0.1", port: 0, authRecheckSeconds: o.authRecheckSeconds },
      secrets: { receiptKey: Buffer.alloc(32, o.receiptKeyByte).toString("base64") },
      cluster: clusterConfigSchema.parse({
        enabled: true,
        nodeId: o.nodeId,
        stores: o.stores,
        ...(o.sessionPrefix ? { sessionPrefix: o.sessionPrefix } : {}),
      }),
    },
    pino({ level: "silent" }),
  );
}
