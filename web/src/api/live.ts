/**
 * The live feed: one WebSocket to the server's `/ws`, reconnecting with backoff. The first
 * frame authenticates (an API key, or a cart's id and secret: a browser cannot put a header on a
 * WebSocket, and a secret in the URL would land in access logs); once the server answers
 * `ready`, the subscriptions go out; every later JSON frame goes to the screen. Screens also
 * poll over HTTP now and then, so a dropped socket costs freshness, never correctness.
 */
import { useEffect, useRef, useState } from "react";

export interface LiveOptions {
  /** the first frame of every connection: `{type:"auth", key}` or `{type:"auth", cart, secret}` */
  auth: unknown;
  /** frames sent once the server said `ready` */
  subscribe: unknown[];
  /** called with each parsed frame */
  onMessage: (msg: unknown) => void;
  /** the server refused the credentials (close code 4401) */
  onUnauthorized?: () => void;
  enabled?: boolean;
}

export function wsUrl(path = "/ws"): string {
  const proto = window.location.protocol === "https:" ? "wss:" : "ws:";
  return `${proto}//${window.location.host}${path}`;
}

/** Keeps a socket open while mounted; returns whether it is connected now. */
export function useLive(opts: LiveOptions): boolean {
  const [connected, setConnected] = useState(false);
  const handler = useRef(opts.onMessage);
  handler.current = opts.onMessage;
  const unauthorized = useRef(opts.onUnauthorized);
  unauthorized.current = opts.onUnauthorized;
  const key = JSON.stringify([opts.auth, opts.subscribe, opts.enabled]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` captures the options by value
  useEffect(() => {
    if (opts.enabled === false) return;
    let ws: WebSocket | null = null;
    let closed = false;
    let retry = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const open = () => {
      if (closed) return;
      const socket = new WebSocket(wsUrl());
      ws = socket;
      socket.onopen = () => socket.send(JSON.stringify(opts.auth));
      socket.onmessage = (ev) => {
        let msg: { type?: string };
        try {
          msg = JSON.parse(String(ev.data));
        } catch {
          return; // a frame that is not JSON is not for us
        }
        if (msg.type === "ready") {
          retry = 0;
          setConnected(true);
          for (const m of opts.subscribe) socket.send(JSON.stringify(m));
          return;
        }
        handler.current(msg);
      };
      socket.onclose = (ev) => {
        setConnected(false);
        if (closed) return;
        if (ev.code === 4401) {
          unauthorized.current?.();
          return;
        }
        retry = Math.min(retry + 1, 6);
        timer = setTimeout(open, 250 * 2 ** retry);
      };
    };
    open();
    return () => {
      closed = true;
      if (timer) clearTimeout(timer);
      ws?.close();
    };
  }, [key]);
  return connected;
}

/** Calls `fn` now and every `ms` while mounted (and when the tab becomes visible again). */
export function usePoll(fn: () => void, ms: number, deps: unknown[]): void {
  const f = useRef(fn);
  f.current = fn;
  useEffect(() => {
    f.current();
    const id = setInterval(() => f.current(), ms);
    const vis = () => document.visibilityState === "visible" && f.current();
    document.addEventListener("visibilitychange", vis);
    return () => {
      clearInterval(id);
      document.removeEventListener("visibilitychange", vis);
    };
  }, [ms, ...deps]);
}
