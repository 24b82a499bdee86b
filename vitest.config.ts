import { defineConfig } from "vitest/config";

// Test tiers by suffix: *.unit.test.ts (pure), *.int.test.ts (real SQLite file, PostgreSQL,
// MQTT brokers on loopback), *.e2e.test.ts (server as a process, real browser).
export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts", "web/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
  },
});
