/**
 * A clustered store server process for the scale tests and the benchmark: the server
 * configuration from the environment (SKIPLANE_*, docs/config.md), cluster mode, logs as JSON
 * lines on stderr. The same `startClusterNode` the composition root runs with `cluster.enabled`.
 */
import pino from "pino";
import { runClusterNode } from "../../../src/adapters/cluster/cluster-node";
import { loadServerConfig } from "../../../src/adapters/config/server-config";

const config = loadServerConfig();
const log = pino({ level: config.log.level }, pino.destination(2));
runClusterNode(config, log).then(
  (node) => process.stdout.write(`${JSON.stringify({ ready: true, node: node.node, port: node.port })}\n`),
  (err: unknown) => {
    log.error({ err }, "cluster node failed to start");
    process.exit(1);
  },
);
