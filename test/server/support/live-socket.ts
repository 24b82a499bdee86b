/**
 * A live `/ws` socket as a dashboard or a cart screen holds one (authenticated, then subscribed),
 * for tests that watch a server close it; and a bound on how long to wait for that.
 */
import WebSocket from "ws";

/**
 * Opens `${httpUrl}/ws` (as ws://), authenticates with `auth`, subscribes to `sub` and resolves
 * once subscribed; `closed` resolves with the close code. The socket is pushed onto `opened` so the
 * test's teardown can terminate it.
 */
export async function followSocket(httpUrl: string, auth: object, sub: object, opened: WebSocket[]) {
  const ws = new WebSocket(`${httpUrl.replace("http", "ws")}/ws`);
  opened.push(ws);
  await new Promise((r) => ws.once("open", r));
  const closed = new Promise<number>((r) => ws.once("close", (code) => r(code)));
  const subscribed = new Promise<void>((resolve, reject) => {
    ws.on("message", (d) => {
      const f = JSON.parse(String(d)) as { type: string };
      if (f.type === "ready") ws.send(JSON.stringify({ type: "subscribe", ...sub }));
      if (f.type === "subscribed") resolve();
    });
    void closed.then((code) => reject(new Error(`closed ${code} before subscribing`)));
  });
  ws.send(JSON.stringify({ type: "auth", ...auth }));
  await subscribed;
  return { ws, closed };
}

/** `p`'s outcome, or "still open" after `ms`. */
export const within = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<string>((r) => setTimeout(() => r("still open"), ms))]);
