// Package-quality check: every publishable package is built, packed as npm would
// publish it, linted with publint, checked with "Are the Types Wrong?", and each
// export is loaded for real with both `import` and `require`.
import { execFileSync } from "node:child_process"
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

const root = new URL("..", import.meta.url).pathname
const packagesDir = join(root, "packages")
const bin = (name) => join(root, "node_modules", ".bin", name)
const run = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" })

const out = mkdtempSync(join(tmpdir(), "org-packages-"))
const failures = []
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
