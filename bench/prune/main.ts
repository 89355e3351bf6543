/**
 * `pnpm run bench:prune`: decisions for 100,000 users, and a full dry-run cycle for
 * 10,000 users against the fake plex.tv, Tautulli and SMTP servers on loopback.
 */
import { runDecisions } from "./decisions.js"

const fmt = (n: number) => n.toFixed(1)

const decisions = runDecisions()
console.log(`\nDecisions for ${decisions.users.toLocaleString("en")} users (15 rounds)`)
console.log("| | p50 ms | min ms |")
console.log("|---|---:|---:|")
console.log(`| decide (@org/prune) | ${fmt(decisions.sdkMs.p50)} | ${fmt(decisions.sdkMs.min)} |`)
console.log(
  `| baseline: idle days vs thresholds | ${fmt(decisions.baselineMs.p50)} | ${fmt(decisions.baselineMs.min)} |`
)
console.log(
  `Ratio (p50): ${fmt(decisions.sdkMs.p50 / decisions.baselineMs.p50)}×; target < 200 ms: ${decisions.sdkMs.p50 < 200 ? "met" : "missed"}`
)
console.log(`Decisions: ${JSON.stringify(decisions.counts)}`)
