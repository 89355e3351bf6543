import { defineConfig } from "vitest/config"

// Workspace packages resolve to their TypeScript sources through the
// "@org/source" export condition, so tests never need a build first.
export default defineConfig({
  resolve: { conditions: ["@org/source", "node", "default"] },
  ssr: { resolve: { conditions: ["@org/source", "node", "default"] } },
  test: {
    include: ["packages/*/test/**/*.test.ts", "examples/*/test/**/*.test.ts", "bench/test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000
  }
})
