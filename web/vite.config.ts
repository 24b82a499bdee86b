import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The web app is served by the store server itself (src/adapters/http/web-app.ts), so the
// build has no base path and the dev server proxies the API, pictures and the live socket to a
// local `skiplane serve` (SKIPLANE_API, default http://127.0.0.1:8080).
const api = process.env.SKIPLANE_API ?? "http://127.0.0.1:8080";

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: true, target: "es2022" },
  server: {
    proxy: {
      "/api": api,
      "/pictures": api,
      "/ws": { target: api.replace(/^http/, "ws"), ws: true },
      "/mqtt": { target: api.replace(/^http/, "ws"), ws: true },
    },
  },
});
