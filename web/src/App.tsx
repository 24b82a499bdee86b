import { parseRoute } from "./route";
import { CartScreen } from "./screens/cart/CartScreen";
import { OpsDashboard } from "./screens/ops/OpsDashboard";
import { PickScreen } from "./screens/pick/PickScreen";
import { ReceiptPage } from "./screens/receipt/ReceiptPage";
import { ReviewConsole } from "./screens/review/ReviewConsole";

export function App() {
  const route = parseRoute(window.location.pathname);
  switch (route.screen) {
    case "cart":
      return <CartScreen store={route.store} cart={route.cart} />;
    case "ops":
      return <OpsDashboard store={route.store} />;
    case "review":
      return <ReviewConsole store={route.store} initialCase={route.caseId} />;
    case "receipt":
      return <ReceiptPage token={route.token} />;
    case "pick":
      return <PickScreen target={route.target} store={route.store} />;
    case "home":
      return (
        <main className="signin card">
          <h1>Skiplane</h1>
          <p>Open one of the screens:</p>
          <ul>
            <li>
              <code>/cart/&#123;store&#125;/&#123;cart&#125;</code> — the cart screen
            </li>
            <li>
              <code>/ops/&#123;store&#125;</code> — operator dashboard
            </li>
            <li>
              <code>/review/&#123;store&#125;</code> — review console
            </li>
            <li>
              <code>/r/&#123;receipt&#125;</code> — a shopper's receipt
            </li>
          </ul>
        </main>
      );
    case "unknown":
      return (
        <main className="signin card">
          <h1>Page not found</h1>
          <p>
            There is no screen at <code>{route.path}</code>.
          </p>
        </main>
      );
  }
}
