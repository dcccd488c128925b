'use strict'
// The conformance matchers of tests/conformance/README.md.
const assert = require('node:assert/strict')

/** Structural match per tests/conformance/README.md; throws with the path on mismatch. */
function match(actual, expected, where = '$') {
  if (expected && typeof expected === 'object' && !Array.isArray(expected)) {
    const ops = Object.keys(expected).filter((k) => k.startsWith('$'))
    if (ops.length) {
      for (const op of ops) {
        const arg = expected[op]
        switch (op) {
          case '$len':
            assert.ok(actual != null && actual.length === arg, `${where}: expected length ${arg}, got ${JSON.stringify(actual)}`)
            break
          case '$present':
            break // checked by the parent (key present)
          case '$absent':
            assert.ok(actual == null, `${where}: expected absent, got ${JSON.stringify(actual)}`)
            break
          case '$contains':
            assert.ok(typeof actual === 'string' && actual.includes(arg), `${where}: expected to contain ${arg}, got ${JSON.stringify(actual)}`)
            break
          case '$ne':
            assert.notDeepStrictEqual(actual, arg, `${where}: expected != ${JSON.stringify(arg)}`)
            break
          default:
            throw new Error(`${where}: unknown matcher ${op}`)
        }
      }
      return
    }
    assert.ok(actual && typeof actual === 'object' && !Array.isArray(actual), `${where}: expected an object, got ${JSON.stringify(actual)}`)
    for (const [k, v] of Object.entries(expected)) {
      const present = Object.prototype.hasOwnProperty.call(actual, k)
      if (v && typeof v === 'object' && v.$present) assert.ok(present, `${where}.${k}: expected present`)
      if (v && typeof v === 'object' && v.$absent) {
        assert.ok(!present || actual[k] == null, `${where}.${k}: expected absent, got ${JSON.stringify(actual[k])}`)
        continue
      }
      if (!present && !(v && typeof v === 'object' && ('$ne' in v))) assert.fail(`${where}.${k}: missing in ${JSON.stringify(actual)}`)
      match(actual[k], v, `${where}.${k}`)
    }
    return
  }
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${where}: expected an array, got ${JSON.stringify(actual)}`)
    assert.equal(actual.length, expected.length, `${where}: expected ${expected.length} items, got ${actual.length}`)
    expected.forEach((e, i) => match(actual[i], e, `${where}[${i}]`))
    return
  }
  assert.deepStrictEqual(actual, expected, `${where}`)
}

module.exports = { match }
