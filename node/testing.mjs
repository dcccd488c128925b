// ESM entry of `moveworks/testing`: the same objects as the CommonJS entry.
import { createRequire } from 'node:module'

const cjs = createRequire(import.meta.url)('./testing.js')

export const { Sandbox } = cjs
export default cjs
