'use strict'
// The packages as users install them, in napi-rs's layout: `npm pack` of the main package
// (node/, no addon inside) and of the platform package (node/npm/linux-x64-gnu, whose addon
// node/test.sh built linked against glibc 2.17), both installed into an empty app, where
// require and import load the addon from the platform package and the examples run a turn.
// Without the platform package, or on a platform without one, `require('moveworks')` throws
// an error that names the platform and the package.
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { execFileSync, spawnSync } = require('node:child_process')
const { startSim } = require('./sim')

const PKG = path.resolve(__dirname, '..')
const PLATFORM = 'linux-x64-gnu'
const PLATFORM_PKG = `moveworks-${PLATFORM}`
const PLATFORM_DIR = path.join(PKG, 'npm', PLATFORM)
const ADDON = `moveworks.${PLATFORM}.node`
const VERSION = require('../package.json').version

let dir
let packed // name -> npm pack's JSON report of that tarball

/** Runs npm with the log at `http` level (every registry request shows); returns stdout and stderr. */
function npm(args, cwd) {
  const r = spawnSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=http'], { cwd, encoding: 'utf8' })
  assert.equal(r.status, 0, `npm ${args.join(' ')}:\n${r.stdout}\n${r.stderr}`)
  return { stdout: r.stdout, log: r.stderr }
}

function newApp(name, extra = {}) {
  const app = path.join(dir, name)
  fs.mkdirSync(app)
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true, ...extra }))
  return app
}

/** Runs node in `cwd`; returns { status, stdout, stderr }. */
function node(cwd, args, env = {}) {
  return spawnSync(process.execPath, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env } })
}
function nodeOk(cwd, args, env) {
  const r = node(cwd, args, env)
  assert.equal(r.status, 0, `node ${args.join(' ')}:\n${r.stdout}\n${r.stderr}`)
  return r.stdout
}

/** The newest GLIBC_x.y symbol version a shared object needs, e.g. "2.17". */
function maxGlibc(file) {
  const versions = [...execFileSync('objdump', ['-T', file], { encoding: 'utf8' }).matchAll(/GLIBC_(\d+)\.(\d+)/g)]
  assert.ok(versions.length > 0, `${file} has no glibc symbol versions`)
  const [maj, min] = versions.map((m) => [Number(m[1]), Number(m[2])]).sort((a, b) => a[0] - b[0] || a[1] - b[1]).at(-1)
  return { text: `${maj}.${min}`, atMost217: maj < 2 || (maj === 2 && min <= 17) }
}

before(() => {
  assert.ok(
    fs.existsSync(path.join(PLATFORM_DIR, ADDON)),
    `${path.join(PLATFORM_DIR, ADDON)} is missing: node/test.sh builds it (glibc 2.17, zig) and copies it there`,
  )
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moveworks-pack-'))
  packed = {}
  for (const from of [PKG, PLATFORM_DIR]) {
    const [report] = JSON.parse(npm(['pack', '--json', '--pack-destination', dir], from).stdout)
    packed[report.name] = report
  }
})
after(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true })
})

test('npm pack: the main package ships no addon and depends on the platform package at its version', (t) => {
  const main = packed.moveworks
  const files = main.files.map((f) => f.path).sort()
  for (const f of ['index.js', 'index.mjs', 'index.d.ts', 'native.js', 'native.d.ts', 'testing.js', 'testing.mjs', 'testing.d.ts']) {
    assert.ok(files.includes(f), `${f} packed: ${files}`)
  }
  assert.ok(!files.some((f) => f.endsWith('.node')), `no addon in the main package: ${files}`)
  assert.ok(!files.some((f) => /^(test|npm|node_modules|examples)\//.test(f)), `no tests, platform dirs or deps: ${files}`)
  const manifest = JSON.parse(fs.readFileSync(path.join(PKG, 'package.json'), 'utf8'))
  assert.deepEqual(manifest.optionalDependencies, { [PLATFORM_PKG]: VERSION })
  // napi's loader rejects a platform package of another version (NAPI_RS_ENFORCE_VERSION_CHECK).
  assert.ok(fs.readFileSync(path.join(PKG, 'native.js'), 'utf8').includes(`require('${PLATFORM_PKG}/package.json')`))

  const platform = packed[PLATFORM_PKG]
  assert.ok(platform, `packed: ${Object.keys(packed)}`)
  assert.equal(platform.version, VERSION)
  assert.deepEqual(platform.files.map((f) => f.path).sort(), ['README.md', ADDON, 'package.json'])
  const pm = JSON.parse(fs.readFileSync(path.join(PLATFORM_DIR, 'package.json'), 'utf8'))
  assert.deepEqual([pm.os, pm.cpu, pm.libc, pm.main], [['linux'], ['x64'], ['glibc'], ADDON])
  const addonSize = platform.files.find((f) => f.path === ADDON).size
  t.diagnostic(
    `tarballs: ${main.filename} ${main.size} B, ${platform.filename} ${platform.size} B; ${ADDON} ${addonSize} B unpacked (debug build)`,
  )
})

test('both tarballs installed into an empty app: the addon loads from the platform package', async (t) => {
  // One `npm install` of both tarballs. The override points the main package's optional
  // dependency at the platform tarball given on the command line (`$name`: the app's own
  // dependency), so npm needs no registry: the packages are not published.
  const app = newApp('app', { overrides: { [PLATFORM_PKG]: `$${PLATFORM_PKG}` } })
  const { log } = npm(['install', path.join(dir, packed.moveworks.filename), path.join(dir, packed[PLATFORM_PKG].filename)], app)
  assert.doesNotMatch(log, /http fetch/, 'npm made no registry request')
  const installed = path.join(app, 'node_modules', PLATFORM_PKG, ADDON)
  assert.ok(fs.existsSync(installed))
  assert.ok(!fs.readdirSync(path.join(app, 'node_modules/moveworks')).some((f) => f.endsWith('.node')))
  const glibc = maxGlibc(installed)
  assert.ok(glibc.atMost217, `${ADDON} needs glibc ${glibc.text}, more than 2.17`)

  // The shared objects the process loaded (dlopen'ed), from both module systems.
  const loaded = `.filter((o) => o.endsWith('.node'))`
  const cjs = JSON.parse(
    nodeOk(app, [
      '-e',
      `const t = process.hrtime.bigint(); const m = require('moveworks'); const ms = Number(process.hrtime.bigint() - t) / 1e6
       console.log(JSON.stringify({ ms, client: typeof m.Client, from: require.resolve('moveworks'), addons: process.report.getReport().sharedObjects${loaded} }))`,
    ]),
  )
  assert.equal(cjs.client, 'function')
  assert.ok(cjs.from.startsWith(app), 'resolved from the installed copy')
  assert.deepEqual(cjs.addons, [fs.realpathSync(installed)])
  const esm = JSON.parse(
    nodeOk(app, [
      '--input-type=module',
      '-e',
      `import { Client, NotFoundError } from 'moveworks'
       console.log(JSON.stringify({ types: [typeof Client, typeof NotFoundError], addons: process.report.getReport().sharedObjects${loaded} }))`,
    ]),
  )
  assert.deepEqual(esm, { types: ['function', 'function'], addons: [fs.realpathSync(installed)] })
  // The `moveworks/testing` subpath resolves from both require and import, to the same class.
  assert.equal(nodeOk(app, ['-e', `const { Sandbox } = require('moveworks/testing'); console.log(typeof Sandbox.start)`]).trim(), 'function')
  assert.equal(
    nodeOk(app, [
      '--input-type=module',
      '-e',
      `import { Sandbox } from 'moveworks/testing'; import { createRequire } from 'node:module'; console.log(Sandbox === createRequire(import.meta.url)('moveworks/testing').Sandbox)`,
    ]).trim(),
    'true',
  )
  // `moveworks/package.json` is exported (tools read the version from it), from require and import.
  assert.equal(nodeOk(app, ['-e', `console.log(require('moveworks/package.json').version)`]).trim(), VERSION)
  assert.equal(
    nodeOk(app, ['--input-type=module', '-e', `import p from 'moveworks/package.json' with { type: 'json' }; console.log(p.version)`]).trim(),
    VERSION,
  )
  // The README's quickstart (ESM) runs a turn in the sandbox: no account, no simulator binary.
  fs.copyFileSync(path.join(PKG, 'examples/quickstart.mjs'), path.join(app, 'quickstart.mjs'))
  assert.match(nodeOk(app, ['quickstart.mjs'], { MOVEWORKS_SIMULATOR: '' }), /^COMPLETED .*John Doe/)
  t.diagnostic(`require('moveworks') took ${cjs.ms.toFixed(1)} ms (the glibc 2.17 debug addon)`)

  // The CommonJS example runs a full turn against the simulator.
  const sim = await startSim()
  try {
    fs.copyFileSync(path.join(PKG, 'examples/full_turn.js'), path.join(app, 'full_turn.js'))
    const answer = nodeOk(app, ['full_turn.js', 'Who does John Doe report to?'], {
      MOVEWORKS_BASE_URL: sim.info.base_url,
      MOVEWORKS_ASSISTANT_NAME: sim.info.assistant_name,
      MOVEWORKS_TOKEN: sim.info.token,
    })
    assert.match(answer, /John Doe/)
  } finally {
    await sim.stop()
  }

  // A platform with no prebuilt package (the loader sees another arch): the error says so.
  fs.writeFileSync(path.join(app, 'riscv.js'), `Object.defineProperty(process, 'arch', { value: 'riscv64' })\n`)
  const r = node(app, ['-r', './riscv.js', '-e', `try { require('moveworks') } catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })) }`])
  const err = JSON.parse(r.stdout)
  assert.equal(err.code, 'MOVEWORKS_NO_NATIVE_ADDON')
  assert.match(err.message, /linux riscv64 glibc [0-9.]+ is not a supported platform/)
  assert.match(err.message, /moveworks-linux-riscv64-gnu/)
  assert.match(err.message, new RegExp(`Prebuilt addons: ${PLATFORM_PKG}\\b`))
})

test('without the platform package (--omit=optional), require and import throw an error naming platform and package', () => {
  const app = newApp('app-no-optional')
  // --offline: npm would otherwise look the unpublished platform package up before omitting it.
  const { log } = npm(['install', '--omit=optional', '--offline', path.join(dir, packed.moveworks.filename)], app)
  assert.doesNotMatch(log, /http fetch/)
  assert.ok(!fs.existsSync(path.join(app, 'node_modules', PLATFORM_PKG)))

  const show = `(e) => console.log(JSON.stringify({ code: e.code, message: e.message, cause: e.cause?.message }))`
  const results = [
    node(app, ['-e', `try { require('moveworks') } catch (e) { (${show})(e) }`]),
    node(app, ['-e', `try { require('moveworks/testing') } catch (e) { (${show})(e) }`]),
    node(app, ['--input-type=module', '-e', `import('moveworks').catch(${show})`]),
    node(app, ['--input-type=module', '-e', `import('moveworks/testing').catch(${show})`]),
  ]
  // The package's metadata needs no addon.
  assert.equal(nodeOk(app, ['-e', `console.log(require('moveworks/package.json').name)`]).trim(), 'moveworks')
  for (const r of results) {
    assert.equal(r.status, 0, r.stderr)
    const err = JSON.parse(r.stdout)
    assert.equal(err.code, 'MOVEWORKS_NO_NATIVE_ADDON')
    assert.match(err.message, /^moveworks: no native addon for linux x64 glibc [0-9.]+: /)
    assert.match(err.message, new RegExp(`its package ${PLATFORM_PKG}, an optional dependency of moveworks, is not installed`))
    assert.match(err.message, new RegExp(`Cannot find module '${PLATFORM_PKG}'`))
    assert.match(err.message, /reinstall without --omit=optional \/ --no-optional/)
    assert.match(err.cause, /^Cannot find native binding/, "napi's error is the cause")
  }
})
