import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { SandboxPaymentGateway } from "../../adapters/payments/sandbox-gateway";
import { openSqliteStorage } from "../../adapters/sqlite/sqlite-storage";
import { sequentialIds } from "../../domain/shared/ids";
import { runStoreServiceScenarios } from "./store-service.scenarios";

const dir = mkdtempSync(join(tmpdir(), "skiplane-svc-"));
const storage = openSqliteStorage({ file: join(dir, "skiplane.sqlite") });
afterAll(async () => {
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
});

runStoreServiceScenarios({
  newStorage: async () => storage,
  newPayments: () => new SandboxPaymentGateway({ ids: sequentialIds() }),
});
