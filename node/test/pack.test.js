'use strict'
// `npm pack` gives a tarball that installs into an empty project, whose loader
// finds the addon from both require and import, and whose example runs a full turn.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { execFileSync } = require('node:child_process')
const { startSim } = require('./sim')

const PKG = path.resolve(__dirname, '..')

test('npm pack + install into an empty project', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moveworks-pack-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  const npm = (args, cwd) => execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  const out = JSON.parse(npm(['pack', '--json', '--pack-destination', dir], PKG))
  const files = out[0].files.map((f) => f.path).sort()
  assert.ok(files.includes('index.js') && files.includes('index.mjs') && files.includes('index.d.ts') && files.includes('native.d.ts'), files.join(','))
  assert.ok(['testing.js', 'testing.mjs', 'testing.d.ts'].every((f) => files.includes(f)), files.join(','))
  assert.ok(files.some((f) => /^moveworks\..+\.node$/.test(f)), 'the addon is packed')
  assert.ok(!files.some((f) => f.startsWith('test/') || f.startsWith('node_modules/')), 'no tests or deps packed')

  const project = path.join(dir, 'app')
  fs.mkdirSync(project)
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }))
  npm(['install', path.join(dir, out[0].filename)], project)
  const addon = fs.readdirSync(path.join(project, 'node_modules/moveworks')).find((f) => f.endsWith('.node'))
  const size = fs.statSync(path.join(project, 'node_modules/moveworks', addon)).size

  const run = (args, env = {}) =>
    execFileSync(process.execPath, args, { cwd: project, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } })
  const timing = JSON.parse(
    run(['-e', `const t=process.hrtime.bigint();const m=require('moveworks');console.log(JSON.stringify({ms:Number(process.hrtime.bigint()-t)/1e6,ok:typeof m.Client,p:require.resolve('moveworks')}))`]),
  )
  assert.equal(timing.ok, 'function')
  assert.ok(timing.p.startsWith(project), 'resolved from the installed copy')
  assert.equal(run(['--input-type=module', '-e', `import { Client, NotFoundError } from 'moveworks'; console.log(typeof Client, typeof NotFoundError)`]).trim(), 'function function')
  // The `moveworks/testing` subpath resolves from both require and import, to the same class.
  assert.equal(run(['-e', `const { Sandbox } = require('moveworks/testing'); console.log(typeof Sandbox.start)`]).trim(), 'function')
  assert.equal(
    run(['--input-type=module', '-e', `import { Sandbox } from 'moveworks/testing'; import { createRequire } from 'node:module'; console.log(Sandbox === createRequire(import.meta.url)('moveworks/testing').Sandbox)`]).trim(),
    'true',
  )
  // The README's quickstart runs from the installed package with no account and no simulator binary.
  fs.copyFileSync(path.join(PKG, 'examples/quickstart.mjs'), path.join(project, 'quickstart.mjs'))
  assert.match(run(['quickstart.mjs'], { MOVEWORKS_SIMULATOR: '' }), /^COMPLETED .*John Doe/)
  t.diagnostic(`addon ${addon}: ${(size / 1048576).toFixed(1)} MiB (debug build); require('moveworks') took ${timing.ms.toFixed(1)} ms`)

  // The example, from the installed package, runs a full turn against the simulator.
  const sim = await startSim()
  try {
    fs.copyFileSync(path.join(PKG, 'examples/full_turn.js'), path.join(project, 'full_turn.js'))
    const answer = run(['full_turn.js', 'Who does John Doe report to?'], {
      MOVEWORKS_BASE_URL: sim.info.base_url,
      MOVEWORKS_ASSISTANT_NAME: sim.info.assistant_name,
      MOVEWORKS_TOKEN: sim.info.token,
    })
    assert.match(answer, /John Doe/)
  } finally {
    await sim.stop()
  }
})
