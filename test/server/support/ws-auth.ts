/**
 * What the authentication tests ask of a running server: one `/ws` auth frame's outcome, and a
 * cart provisioned in st-a (the two-water-stores fixture) with its secret.
 */
import { expect } from "vitest";
import WebSocket from "ws";
import type { RunningServer } from "../../../src/main";
import { callStoreApi } from "../../support/store-api";
import { addApiKey } from "./in-process-server";

/** One `/ws` auth frame (with `headers` on the upgrade, e.g. X-Forwarded-For): the close code, or "ready". */
export async function wsAuth(
  s: RunningServer,
  auth: object,
  headers: Record<string, string> = {},
): Promise<number | "ready"> {
  const ws = new WebSocket(`${s.httpUrl.replace("http", "ws")}/ws`, { headers });
  try {
    await new Promise((r, j) => ws.once("open", r).once("error", j));
    const out = new Promise<number | "ready">((r) => {
      ws.once("close", (code) => r(code));
      ws.on("message", (d) => {
        if ((JSON.parse(String(d)) as { type: string }).type === "ready") r("ready");
      });
    });
    ws.send(JSON.stringify({ type: "auth", ...auth }));
    return await out;
  } finally {
    ws.terminate();
  }
}

/** Provisions cart `cart` in st-a through the store API: its secret. */
export async function provisionCart(s: RunningServer, cart: string): Promise<string> {
  const admin = await addApiKey(s, `key_admin_${cart}`, "st-a", "admin");
  const r = await callStoreApi(s.httpUrl, "st-a", admin, "POST", "/carts", { cart });
  expect(r.status).toBe(201);
  return r.body.secret as unknown as string;
}
