import { rmSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ConfigError, loadServerConfig } from "./server-config";

function withStores(stores: unknown[]) {
  const file = `/tmp/skiplane-walkout-config-${process.pid}-${Math.random().toString(36).slice(2)}.json`;
  writeFileSync(file, JSON.stringify({ stores }));
  return () => {
    try {
      return loadServerConfig({ file, env: {} });
    } finally {
      rmSync(file, { force: true });
    }
  };
}

describe("walk-out stores in the server configuration", () => {
  it("accepts a walk-out store with catalog and layout, or an AutoCheckout directory", () => {
    const c = withStores([
      { id: "w1", kind: "walkout", catalog: "c.json", layout: "l.json" },
      { id: "w2", kind: "walkout", autocheckout: "/data/ac" },
      { id: "c1", catalog: "c.json" },
    ])();
    expect(c.stores.map((s) => s.kind)).toEqual(["walkout", "walkout", "carts"]);
    expect(c.demo.walkout).toBe(true);
    expect(c.demo.walkoutStore).toBe("demo-walkout");
  });

  it("refuses a walk-out store without a layout, a cart store with one, and both sources at once", () => {
    for (const bad of [
      { id: "w", kind: "walkout", catalog: "c.json" },
      { id: "c", catalog: "c.json", layout: "l.json" },
      { id: "w", kind: "walkout", catalog: "c.json", layout: "l.json", autocheckout: "/ac" },
      { id: "c" },
    ]) {
      expect(withStores([bad])).toThrow(ConfigError);
    }
  });
});
