/** Types of scripts/ensure-web-build.mjs (Node built-ins only, so plain JavaScript). */
export function webBuildIsStale(): boolean;
export function ensureWebBuild(options?: { force?: boolean; quiet?: boolean }): boolean;
