import { defineConfig } from "tsup"

export default defineConfig({
  entry: {
    index: "src/index.ts",
    "family-scrobble": "src/family-scrobble/index.ts",
    prune: "src/prune/index.ts",
    accounts: "src/accounts/index.ts",
    library: "src/library/index.ts",
    billing: "src/billing/index.ts",
    ledger: "src/ledger/index.ts",
    resellers: "src/resellers/index.ts"
  },
  format: ["esm", "cjs"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node20",
  splitting: true
})
