/** The parameter fingerprint: hex SHA-256 over every parameter as float32 little-endian, in model order. */
import { createHash } from 'node:crypto';
import type { Data } from '../../kernels/spec';

/** SHA-256 (hex) of the parameters, each converted to float32 little-endian, concatenated in order. */
export function fingerprint(params: readonly Data[]): string {
  const hash = createHash('sha256');
  for (const p of params) {
    const f32 = p instanceof Float32Array ? p : Float32Array.from(p);
    const bytes = Buffer.alloc(f32.length * 4);
    for (let i = 0; i < f32.length; i++) bytes.writeFloatLE(f32[i], i * 4);
    hash.update(bytes);
  }
  return hash.digest('hex');
}
