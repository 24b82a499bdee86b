/**
 * The Mosquitto launcher under the name bench/server.bench.ts imports it by: the one launcher
 * lives in test/support/mosquitto.ts.
 */
export { freePort } from "../../support/free-port";
export {
  type DynsecMosquitto as Mosquitto,
  findDynsecPlugin,
  mosquittoAvailable,
  startMosquitto,
} from "../../support/mosquitto";
