/**
 * The live feed: one WebSocket to the server's `/ws`, reconnecting with backoff, that sends a
 * subscription on open and hands every JSON frame to the screen. Screens also poll the same
 * data over HTTP now and then, so a dropped socket costs freshness, never correctness.
 */
import { useEffect, useRef, useState } from "react";

export interface LiveOptions {
  /** query string appended to /ws (e.g. the topics to follow) */
  query?: Record<string, string>;
  /** frames sent after every (re)connect */
  subscribe?: unknown[];
  /** called with each parsed frame */
  onMessage: (msg: unknown) => void;
  /** Sec-WebSocket-Protocol values (used to pass a credential without a header) */
  protocols?: string[];
  enabled?: boolean;
}

export function wsUrl(query?: Record<string, string>): string {
  const proto = window.location.protocol === "https:" ? "wss:" : "ws:";
  const qs = query && Object.keys(query).length ? `?${new URLSearchParams(query).toString()}` : "";
  return `${proto}//${window.location.host}/ws${qs}`;
}

/** Keeps a socket open while mounted; returns whether it is connected now. */
export function useLive(opts: LiveOptions): boolean {
  const [connected, setConnected] = useState(false);
  const handler = useRef(opts.onMessage);
  handler.current = opts.onMessage;
  const key = JSON.stringify([opts.query, opts.subscribe, opts.protocols, opts.enabled]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` captures the options by value
  useEffect(() => {
    if (opts.enabled === false) return;
    let ws: WebSocket | null = null;
    let closed = false;
    let retry = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const open = () => {
      if (closed) return;
      ws = opts.protocols?.length
        ? new WebSocket(wsUrl(opts.query), opts.protocols)
        : new WebSocket(wsUrl(opts.query));
      ws.onopen = () => {
        retry = 0;
        setConnected(true);
        for (const m of opts.subscribe ?? []) ws?.send(JSON.stringify(m));
      };
      ws.onmessage = (ev) => {
        try {
          handler.current(JSON.parse(String(ev.data)));
        } catch {
          // a frame that is not JSON is not for us
        }
      };
      ws.onclose = () => {
        setConnected(false);
        if (closed) return;
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
