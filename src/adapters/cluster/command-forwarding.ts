/**
 * Where a store command runs in cluster mode (decision 0203). A command that changes a store's
 * sessions — a review decision (and the capture or refund it causes), a dispute — must run on
 * the process holding the store's lease, in the same StoreService as the store's cart events and
 * in order with them. Every process serves the whole API, so a command that arrives elsewhere is
 * forwarded, as received, to the owner's advertised HTTP address (`cluster_nodes.http_url`), and
 * the owner's answer is returned to the caller unchanged.
 *
 * - The forward carries the caller's own credentials (API key or receipt token): the owner
 *   authenticates and authorises it again, so no process-to-process secret exists to leak, and a
 *   process can never act with more rights than its caller.
 * - One hop: a forwarded request carries `x-skiplane-forwarded-by`; a process that receives one
 *   for a store it does not serve (the lease moved meanwhile) answers 503 instead of forwarding
 *   again — no loops, no chains of hops during a move.
 * - No owner right now (a takeover in progress), an owner that advertises no address or does not
 *   answer in time: 503 `STORE_UNAVAILABLE` with `Retry-After` (about a lease period).
 * - Never retried by this process: a forward that timed out may still have been applied by the
 *   owner; the caller's retry then meets the case already decided (409 CASE_CLOSED) rather than a
 *   second decision. Exactly-once effects on money are the payment idempotency keys' job (0104).
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import { DomainError } from "../../domain/shared/errors";
import type { OwnerDirectory } from "./owner-directory";

export const FORWARDED_BY = "x-skiplane-forwarded-by";
/** set on a command's answer: the node that ran it */
export const SERVED_BY = "x-skiplane-served-by";

export interface CommandForwarderOptions {
  node: string;
  /** true while commands for this store run on this process */
  serves: (store: string) => boolean;
  owners: Pick<OwnerDirectory, "ownerOf">;
  timeoutMs: number;
  retryAfterSec: number;
  log?: { warn(obj: object, msg: string): void };
}

/** The `storeCommand` hook of the HTTP server (see buildHttpServer). */
export function commandForwarder(o: CommandForwarderOptions) {
  const unavailable = (detail: string) =>
    new DomainError("STORE_UNAVAILABLE", detail, { retryAfterSec: o.retryAfterSec });

  return async (req: FastifyRequest, reply: FastifyReply, store: string): Promise<boolean> => {
    if (o.serves(store)) {
      reply.header(SERVED_BY, o.node);
      return false;
    }
    if (req.headers[FORWARDED_BY] !== undefined)
      throw unavailable(`store ${store} moved while this command was forwarded; retry`);
    const owner = await o.owners.ownerOf(store);
    if (!owner)
      throw unavailable(`no process serves store ${store} right now (a takeover is under way); retry`);
    if (owner.node === o.node)
      throw unavailable(`this process is taking store ${store} over or giving it up; retry`);
    if (!owner.httpUrl)
      throw unavailable(`the owner of store ${store} (${owner.node}) advertises no address`);

    const headers: Record<string, string> = { [FORWARDED_BY]: o.node };
    for (const h of ["authorization", "content-type", "accept", "user-agent"]) {
      const v = req.headers[h];
      if (typeof v === "string") headers[h] = v;
    }
    const hasBody = req.body !== undefined && req.body !== null;
    if (hasBody) headers["content-type"] = "application/json";
    let res: Response;
    let body: string;
    try {
      res = await fetch(`${owner.httpUrl.replace(/\/+$/, "")}${req.url}`, {
        method: req.method,
        headers,
        body: hasBody ? JSON.stringify(req.body) : undefined,
        redirect: "manual",
        signal: AbortSignal.timeout(o.timeoutMs),
      });
      body = await res.text();
    } catch (err) {
      o.log?.warn({ err, store, owner: owner.node }, "forwarding a command to the store's owner failed");
      throw unavailable(`the owner of store ${store} (${owner.node}) did not answer; retry`);
    }
    reply.code(res.status);
    for (const h of ["content-type", "retry-after", SERVED_BY]) {
      const v = res.headers.get(h);
      if (v !== null) reply.header(h, v);
    }
    reply.send(body);
    return true;
  };
}
