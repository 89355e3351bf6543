// Package-quality check: every publishable package is built, packed as npm would
// publish it, linted with publint, checked with "Are the Types Wrong?", and each
// export is loaded for real with both `import` and `require`.
import { execFileSync } from "node:child_process"
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

const root = new URL("..", import.meta.url).pathname
const packagesDir = join(root, "packages")
const bin = (name) => join(root, "node_modules", ".bin", name)
const run = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" })

/**
 * The README's taste as a user runs it: the packed tarballs installed with plain
 * npm in an empty folder (no workspace, no pnpm), `createFamilyScrobble` from
 * `@org/server` mounted in Express on embedded PGlite, answering `/healthz`.
 */
function installedTaste() {
  process.stdout.write("@org/server, installed with npm in an empty folder\n")
  const app = mkdtempSync(join(tmpdir(), "org-server-app-"))
  try {
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "taste", private: true, type: "module" }))
    writeFileSync(
      join(app, "taste.js"),
      `import { randomBytes } from "node:crypto"
import express from "express"
import { createFamilyScrobble } from "@org/server"

const family = createFamilyScrobble({
  publicUrl: "https://scrobble.example.com",
  database: { dataDir: "./.data" },
  trakt: { clientId: "client-id", clientSecret: "client-secret" },
  tokenEncryptionKey: randomBytes(32).toString("base64"),
  adminToken: "admin-token",
  logLevel: "Warning"
})
await family.start()
const app = express()
app.use(family.router)
const server = app.listen(0, "127.0.0.1")
await new Promise((resolve) => server.once("listening", resolve))
const base = \`http://127.0.0.1:\${server.address().port}\`
const health = await fetch(\`\${base}/healthz\`)
const body = await health.json()
const page = await fetch(\`\${base}/family\`)
server.close()
await family.stop()
if (health.status !== 200 || body.status !== "ok" || page.status !== 200)
  throw new Error(\`unexpected answers: /healthz \${health.status} \${JSON.stringify(body)}, /family \${page.status}\`)
console.log("taste ok")
`
    )
    const step = (label, fn) => {
      try {
        fn()
        process.stdout.write(`  ok   ${label}\n`)
      } catch (error) {
        failures.push(`@org/server: ${label}`)
        process.stdout.write(`  FAIL ${label}\n${error.stdout ?? ""}${error.stderr ?? error.message}\n`)
        throw error
      }
    }
    step("npm install of the packed tarballs and express", () =>
      execFileSync(
        "npm",
        ["install", "--no-audit", "--no-fund", "--loglevel=error", ...tarballs, "express@^5.1.0"],
        {
          cwd: app,
          stdio: ["ignore", "pipe", "pipe"],
          encoding: "utf8",
          timeout: 300_000
        }
      )
    )
    step("the README's Express taste answers /healthz and /family", () =>
      execFileSync("node", ["taste.js"], {
        cwd: app,
        stdio: ["ignore", "pipe", "pipe"],
        encoding: "utf8",
        timeout: 120_000
      })
    )
  } catch {
    // reported above
  } finally {
    rmSync(app, { recursive: true, force: true })
  }
}

const out = mkdtempSync(join(tmpdir(), "org-packages-"))
const failures = []
const tarballs = []
try {
  for (const dir of readdirSync(packagesDir).sort()) {
    const cwd = join(packagesDir, dir)
    const pkg = JSON.parse(readFileSync(join(cwd, "package.json"), "utf8"))
    if (pkg.private) continue
    const step = (label, fn) => {
      try {
        fn()
        process.stdout.write(`  ok   ${label}\n`)
      } catch (error) {
        failures.push(`${pkg.name}: ${label}`)
        process.stdout.write(`  FAIL ${label}\n${error.stdout ?? ""}${error.stderr ?? error.message}\n`)
      }
    }
    process.stdout.write(`${pkg.name}\n`)
    const packed = run("npx", ["-y", "pnpm@10", "pack", "--pack-destination", out], cwd)
      .trim()
      .split("\n")
      .pop()
    tarballs.push(packed)
    step("publint (strict)", () => run(bin("publint"), ["run", packed, "--strict", "--pack", "false"], cwd))
    step("types resolve for import and require (attw, node16)", () =>
      run(bin("attw"), [packed, "--profile", "node16", "--format", "ascii", "--no-emoji", "--no-color"], cwd)
    )
    for (const entry of Object.keys(pkg.exports).filter((key) => key !== "./package.json")) {
      const specifier = entry === "." ? pkg.name : `${pkg.name}/${entry.slice(2)}`
      step(`require("${specifier}")`, () =>
        run(
          "node",
          [
            "-e",
            `const m = require(${JSON.stringify(specifier)}); if (!Object.keys(m).length) throw new Error("no exports")`
          ],
          cwd
        )
      )
      step(`import("${specifier}")`, () =>
        run(
          "node",
          [
            "--input-type=module",
            "-e",
            `const m = await import(${JSON.stringify(specifier)}); if (!Object.keys(m).length) throw new Error("no exports")`
          ],
          cwd
        )
      )
    }
  }
  installedTaste()
} finally {
  rmSync(out, { recursive: true, force: true })
}
if (failures.length > 0) {
  process.stdout.write(
    `\n${failures.length} check(s) failed:\n${failures.map((f) => `  - ${f}`).join("\n")}\n`
  )
  process.exit(1)
}
process.stdout.write("\nall packages pass\n")
