/**
 * The command forwarder over real HTTP (two fastify servers on loopback): runs here when this
 * process serves the store, forwards as received to the owner otherwise (one hop only), and
 * answers 503 + Retry-After when nobody serves the store or the owner does not answer.
 */
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../../test/support/free-port";
import { DomainError } from "../../domain/shared/errors";
import { PROBLEM_CONTENT_TYPE, problem } from "../http/problem";
import { commandForwarder, FORWARDED_BY, SERVED_BY } from "./command-forwarding";
import type { StoreOwner } from "./owner-directory";

type Owners = Map<string, StoreOwner>;

/** A process: POST /api/v1/stores/:store/do answers {ran: node} when it runs the command. */
async function processNamed(node: string, serves: Set<string>, owners: Owners): Promise<FastifyInstance> {
  const app = Fastify();
  app.setErrorHandler((err, _req, reply) => {
    const e = err as DomainError;
    const p = problem(e.code ?? "INTERNAL", e.message);
    if (p.status === 503) reply.header("retry-after", String(e.details?.retryAfterSec ?? 1));
    return reply.code(p.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(p));
  });
  const gate = commandForwarder({
    node,
    serves: (store) => serves.has(store),
    owners: { ownerOf: async (store) => owners.get(store) },
    timeoutMs: 2000,
    retryAfterSec: 5,
  });
  app.post<{ Params: { store: string }; Body: { n: number } }>(
    "/api/v1/stores/:store/do",
    {
      preHandler: async (req, reply) => {
        if (await gate(req, reply, req.params.store)) return reply;
      },
    },
    async (req, reply) => {
      if (req.headers.authorization !== "Bearer k1") throw new DomainError("UNAUTHORIZED", "no");
      return reply
        .code(201)
        .send({ ran: node, n: req.body.n, forwardedBy: req.headers[FORWARDED_BY] ?? null });
    },
  );
  await app.listen({ host: "127.0.0.1", port: 0 });
  return app;
}

const url = (app: FastifyInstance) => {
  const a = app.server.address();
  return `http://127.0.0.1:${typeof a === "object" && a ? a.port : 0}`;
};

let a: FastifyInstance;
let b: FastifyInstance;
const owners: Owners = new Map();
const post = (app: FastifyInstance, store: string, headers: Record<string, string> = {}) =>
  fetch(`${url(app)}/api/v1/stores/${store}/do`, {
    method: "POST",
    headers: { authorization: "Bearer k1", "content-type": "application/json", ...headers },
    body: JSON.stringify({ n: 7 }),
  });

beforeAll(async () => {
  a = await processNamed("node-a", new Set(["s1"]), owners);
  b = await processNamed("node-b", new Set(["s2"]), owners);
  owners.set("s1", { node: "node-a", epoch: 3, httpUrl: url(a), remainingMs: 3000 });
  owners.set("s2", { node: "node-b", epoch: 1, httpUrl: url(b), remainingMs: 3000 });
});
afterAll(async () => {
  await a?.close();
  await b?.close();
});

describe("command forwarding", () => {
  it("runs a command here when this process serves the store", async () => {
    const r = await post(a, "s1");
    expect(r.status).toBe(201);
    expect(r.headers.get(SERVED_BY)).toBe("node-a");
    expect(await r.json()).toEqual({ ran: "node-a", n: 7, forwardedBy: null });
  });

  it("forwards it as received to the owner and returns the owner's answer", async () => {
    const r = await post(b, "s1");
    expect(r.status).toBe(201);
    expect(r.headers.get(SERVED_BY)).toBe("node-a");
    expect(await r.json()).toEqual({ ran: "node-a", n: 7, forwardedBy: "node-b" });
    // the caller's credentials go along: the owner refuses what the caller may not do
    const denied = await post(b, "s1", { authorization: "Bearer nope" });
    expect(denied.status).toBe(401);
  });

  it("one hop only: a forwarded command for a store not served here is refused, not forwarded again", async () => {
    const r = await post(a, "s2", { [FORWARDED_BY]: "node-x" });
    expect(r.status).toBe(503);
    expect(r.headers.get("retry-after")).toBe("5");
    expect((await r.json()).code).toBe("STORE_UNAVAILABLE");
  });

  it("503 + Retry-After when nobody serves the store, or its owner does not answer", async () => {
    const none = await post(a, "s3");
    expect(none.status).toBe(503);
    expect(none.headers.get("retry-after")).toBe("5");
    owners.set("s4", {
      node: "node-dead",
      epoch: 2,
      httpUrl: `http://127.0.0.1:${await freePort()}`,
      remainingMs: 2000,
    });
    const dead = await post(a, "s4");
    expect(dead.status).toBe(503);
    expect((await dead.json()).detail).toMatch(/did not answer/);
    // the lease names this very process but it does not serve the store (taking it over)
    owners.set("s5", { node: "node-a", epoch: 9, httpUrl: url(a), remainingMs: 2000 });
    expect((await post(a, "s5")).status).toBe(503);
  });
});
