import { describe, expect, it } from "vitest";
import { parseRoute, screenPath } from "./route";

describe("parseRoute", () => {
  it("reads the four screens' deep links", () => {
    expect(parseRoute("/cart/demo/demo-cart-01")).toEqual({
      screen: "cart",
      store: "demo",
      cart: "demo-cart-01",
    });
    expect(parseRoute("/ops/demo")).toEqual({ screen: "ops", store: "demo" });
    expect(parseRoute("/review/demo/case-1")).toEqual({ screen: "review", store: "demo", caseId: "case-1" });
    expect(parseRoute("/r/tok")).toEqual({ screen: "receipt", token: "tok" });
    expect(parseRoute("/")).toEqual({ screen: "home" });
  });

  it("asks for the store (and cart) when the path stops short, as the server's banner printed it", () => {
    // `npm start` printed http://…/ops/ http://…/review/ http://…/cart/ — these were "Page not found"
    expect(parseRoute("/ops/")).toEqual({ screen: "pick", target: "ops" });
    expect(parseRoute("/review")).toEqual({ screen: "pick", target: "review" });
    expect(parseRoute("/cart/")).toEqual({ screen: "pick", target: "cart" });
    expect(parseRoute("/cart/demo")).toEqual({ screen: "pick", target: "cart", store: "demo" });
  });

  it("still says not found for other paths", () => {
    expect(parseRoute("/nope")).toEqual({ screen: "unknown", path: "/nope" });
    expect(parseRoute("/ops/a/b")).toEqual({ screen: "unknown", path: "/ops/a/b" });
  });

  it("builds encoded paths", () => {
    expect(screenPath("cart", "my store", "c/1")).toBe("/cart/my%20store/c%2F1");
    expect(screenPath("ops", "demo")).toBe("/ops/demo");
  });
});
