/**
 * fetch with the API's conventions: JSON bodies, `Authorization: Bearer <key>` for staff
 * screens, RFC 7807 problem documents turned into an ApiError the screens can show in words.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
  ) {
    super(detail ? `${title}: ${detail}` : title);
  }
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  key?: string | null;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export async function request<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json", ...opts.headers };
  if (opts.key) headers.authorization = `Bearer ${opts.key}`;
  let body: string | undefined;
  if (opts.body !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(opts.body);
  }
  let res: Response;
  try {
    res = await fetch(path, {
      method: opts.method ?? (body ? "POST" : "GET"),
      headers,
      body,
      signal: opts.signal,
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === "AbortError") throw e;
    throw new ApiError(0, "The server cannot be reached", String(e));
  }
  const text = await res.text();
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = text;
  }
  if (!res.ok) {
    const p = (data && typeof data === "object" ? data : {}) as {
      title?: string;
      detail?: string;
      message?: string;
      errors?: { path: string; message: string }[];
    };
    const fields = p.errors?.map((e) => `${e.path}: ${e.message}`).join("; ");
    const detail = [p.detail ?? p.message, fields].filter(Boolean).join(" — ");
    throw new ApiError(res.status, p.title ?? res.statusText ?? "Request failed", detail || undefined);
  }
  return data as T;
}

/** Plain-words message for an error, for role="alert" boxes. */
export function describeError(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.status === 401) return "Your key was not accepted. Sign in again.";
    if (e.status === 403) return "Your key may not do this.";
    return e.message;
  }
  return e instanceof Error ? e.message : String(e);
}
