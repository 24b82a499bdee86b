/**
 * The app's four entry points, parsed from the path. No router library: there are four
 * routes, each a deep link the server answers with index.html. A screen's path without its
 * store (or cart) — `/ops/`, `/review/`, `/cart/`, `/cart/{store}` — asks for what is missing
 * instead of "page not found".
 */
export type Route =
  | { screen: "cart"; store: string; cart: string }
  | { screen: "ops"; store: string }
  | { screen: "review"; store: string; caseId?: string }
  | { screen: "receipt"; token: string }
  | { screen: "pick"; target: "cart" | "ops" | "review"; store?: string }
  | { screen: "home" }
  | { screen: "unknown"; path: string };

export function parseRoute(pathname: string): Route {
  const parts = pathname.split("/").filter(Boolean).map(decodeURIComponent);
  const [head, a, b] = parts;
  if (head === "cart" && a && b && parts.length === 3) return { screen: "cart", store: a, cart: b };
  if (head === "ops" && a && parts.length === 2) return { screen: "ops", store: a };
  if (head === "review" && a && parts.length <= 3) return { screen: "review", store: a, caseId: b };
  if (head === "r" && a && parts.length === 2) return { screen: "receipt", token: a };
  if ((head === "ops" || head === "review" || head === "cart") && parts.length === 1)
    return { screen: "pick", target: head };
  if (head === "cart" && a && parts.length === 2) return { screen: "pick", target: "cart", store: a };
  if (parts.length === 0) return { screen: "home" };
  return { screen: "unknown", path: pathname };
}

/** The path of a screen, each part encoded. */
export function screenPath(target: "cart" | "ops" | "review", store: string, cart?: string): string {
  const parts = [target, store, ...(target === "cart" && cart ? [cart] : [])];
  return `/${parts.map(encodeURIComponent).join("/")}`;
}
