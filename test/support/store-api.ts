/** One call to a running server's store API (`/api/v1/stores/{store}{path}`) with a bearer key. */
export async function callStoreApi(
  httpUrl: string,
  store: string,
  key: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> & unknown[] }> {
  const res = await fetch(`${httpUrl}/api/v1/stores/${store}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & unknown[] };
}
