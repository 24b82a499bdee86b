// Arrows point inward: domain uses nothing of ours but domain; app uses domain; adapters, sim,
// eval, cli and web may use app and domain. Checked in CI (`npm run depcheck`).
module.exports = {
  forbidden: [
    {
      name: "domain-is-pure",
      comment: "src/domain may import only src/domain (no adapters, app, node I/O).",
      severity: "error",
      from: { path: "^src/domain" },
      to: { pathNot: "^src/domain" , dependencyTypesNot: ["type-only"] },
    },
    {
      name: "domain-no-types-from-outside",
      severity: "error",
      from: { path: "^src/domain" },
      to: { path: "^src/(app|adapters|sim|eval|cli|main)" },
    },
    {
      name: "app-not-adapters",
      comment: "use cases depend on ports, never on adapters",
      severity: "error",
      from: { path: "^src/app" },
      to: { path: "^src/(adapters|sim|eval|cli|main)" },
    },
    { name: "no-circular", severity: "warn", from: {}, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsConfig: { fileName: "tsconfig.json" },
    tsPreCompilationDeps: true,
    exclude: { path: "\\.test\\.ts$" },
  },
};
